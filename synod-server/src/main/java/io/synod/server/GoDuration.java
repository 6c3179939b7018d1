package io.synod.server;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go's duration syntax as etcd's flags use it: {@code 5s}, {@code 500ms}, {@code 1h30m}. */
public final class GoDuration {
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");

  private GoDuration() {}

  public static boolean isValid(String s) {
    try {
      parseMillis("", s);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Milliseconds in {@code s}; {@code "0"} is zero. */
  public static long parseMillis(String flag, String s) {
    if (s.equals("0")) {
      return 0;
    }
    Matcher m = PART.matcher(s);
    int at = 0;
    double millis = 0;
    while (at < s.length() && m.find(at) && m.start() == at) {
      double v = Double.parseDouble(m.group(1));
      millis +=
          switch (m.group(2)) {
            case "ns" -> v / 1e6;
            case "us", "µs" -> v / 1e3;
            case "ms" -> v;
            case "s" -> v * 1e3;
            case "m" -> v * 60e3;
            default -> v * 3600e3;
          };
      at = m.end();
    }
    if (at != s.length() || s.isEmpty()) {
      throw new IllegalArgumentException(flag + ": invalid duration \"" + s + "\"");
    }
    return (long) millis;
  }
}
