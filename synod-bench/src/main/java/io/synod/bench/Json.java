package io.synod.bench;

import java.util.Locale;
import java.util.Map;

/**
 * A JSON object written field by field, in the order given, on one line. Enough for benchmark
 * results; values are strings, numbers, booleans, nested objects and maps of numbers.
 */
final class Json {
  private final StringBuilder out = new StringBuilder("{");

  Json put(String key, String value) {
    return raw(key, quote(value));
  }

  Json put(String key, long value) {
    return raw(key, Long.toString(value));
  }

  /** Rounds to three decimals, enough for rates and ratios. */
  Json put(String key, double value) {
    return raw(key, String.format(Locale.ROOT, "%.3f", value));
  }

  Json put(String key, Json value) {
    return raw(key, value.toString());
  }

  Json put(String key, Map<String, Long> numbers) {
    Json nested = new Json();
    numbers.forEach(nested::put);
    return put(key, nested);
  }

  /** Adds {@code key} with {@code json}, which must already be valid JSON (an array, say). */
  Json raw(String key, String json) {
    if (out.length() > 1) {
      out.append(',');
    }
    out.append(quote(key)).append(':').append(json);
    return this;
  }

  @Override
  public String toString() {
    return out + "}";
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
