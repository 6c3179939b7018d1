package io.synod.server.etcd;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a request body holding several concatenated JSON objects (a streaming gateway request:
 * {@code {"create_request":...}{"progress_request":{}}}) into one string per object. Stateless.
 */
final class JsonObjects {
  private JsonObjects() {}

  /**
   * The top-level objects of {@code body}, in order; whitespace between them is skipped.
   *
   * @throws IllegalArgumentException if anything else stands between objects or one is unclosed
   */
  static List<String> split(String body) {
    List<String> out = new ArrayList<>();
    int depth = 0;
    int start = -1;
    boolean inString = false;
    boolean escaped = false;
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (inString) {
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"') {
          inString = false;
        }
        continue;
      }
      if (depth == 0) {
        if (Character.isWhitespace(c)) {
          continue;
        }
        if (c != '{') {
          throw new IllegalArgumentException("invalid character '" + c + "' looking for object");
        }
        start = i;
      }
      if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        depth++;
      } else if (c == '}' || c == ']') {
        depth--;
        if (depth == 0) {
          out.add(body.substring(start, i + 1));
        }
      }
    }
    if (depth != 0 || inString) {
      throw new IllegalArgumentException("unexpected EOF");
    }
    return out;
  }
}
