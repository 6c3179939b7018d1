package io.synod.raft.interaction;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * One command line of an interaction script: a name, positional arguments and {@code key=value}
 * arguments, where a value may be a list {@code (1,2,3)}. Every argument must be read by the
 * handler ({@link #checkAllUsed()}), so a typo in a script fails loudly instead of being ignored.
 */
final class ScriptCommand {
  private final String line;
  private final String name;
  private final List<String> positional = new ArrayList<>();
  private final Map<String, String> named = new LinkedHashMap<>();
  private final TreeSet<String> used = new TreeSet<>();
  private int positionalUsed;

  private ScriptCommand(String line, String name) {
    this.line = line;
    this.name = name;
  }

  /** Parses {@code line}; throws {@link ScriptException} if it is malformed. */
  static ScriptCommand parse(String line) {
    String[] tokens = line.trim().split("\\s+");
    if (tokens.length == 0 || tokens[0].isEmpty()) {
      throw new ScriptException("empty command");
    }
    ScriptCommand c = new ScriptCommand(line.trim(), tokens[0]);
    for (int i = 1; i < tokens.length; i++) {
      String t = tokens[i];
      int eq = t.indexOf('=');
      if (eq > 0) {
        String key = t.substring(0, eq);
        if (c.named.put(key, t.substring(eq + 1)) != null) {
          throw new ScriptException("argument " + key + " given twice");
        }
      } else {
        c.positional.add(t);
      }
    }
    return c;
  }

  String name() {
    return name;
  }

  String line() {
    return line;
  }

  /** The positional arguments not read yet, all of them, marking them read. */
  List<String> remainingPositional() {
    List<String> out = new ArrayList<>(positional.subList(positionalUsed, positional.size()));
    positionalUsed = positional.size();
    return out;
  }

  /** The next positional argument. */
  String nextPositional(String what) {
    if (positionalUsed >= positional.size()) {
      throw new ScriptException(name + ": missing " + what);
    }
    return positional.get(positionalUsed++);
  }

  long nextId() {
    return parseLong(nextPositional("node id"));
  }

  /** The remaining positional arguments as node ids. */
  List<Long> remainingIds() {
    List<Long> ids = new ArrayList<>();
    for (String s : remainingPositional()) {
      ids.add(parseLong(s));
    }
    return ids;
  }

  boolean has(String key) {
    return named.containsKey(key);
  }

  String string(String key, String fallback) {
    used.add(key);
    return named.getOrDefault(key, fallback);
  }

  long longArg(String key, long fallback) {
    String v = string(key, null);
    return v == null ? fallback : parseLong(v);
  }

  int intArg(String key, int fallback) {
    return Math.toIntExact(longArg(key, fallback));
  }

  long requiredLong(String key) {
    if (!has(key)) {
      throw new ScriptException(name + ": missing " + key + "=");
    }
    return longArg(key, 0);
  }

  boolean bool(String key, boolean fallback) {
    String v = string(key, null);
    if (v == null) {
      return fallback;
    }
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true", "on", "yes" -> true;
      case "false", "off", "no" -> false;
      default -> throw new ScriptException(name + ": " + key + "=" + v + " is not a boolean");
    };
  }

  /** A list argument {@code key=(1,2,3)} (or a single value {@code key=1}); empty if absent. */
  List<Long> ids(String key) {
    String v = string(key, null);
    List<Long> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    String inner = v.startsWith("(") && v.endsWith(")") ? v.substring(1, v.length() - 1) : v;
    if (inner.isEmpty()) {
      return out;
    }
    for (String part : inner.split(",")) {
      out.add(parseLong(part.trim()));
    }
    return out;
  }

  /** Throws unless every argument was read: catches typos such as {@code prevot=true}. */
  void checkAllUsed() {
    if (positionalUsed < positional.size()) {
      throw new ScriptException(
          name + ": unexpected arguments " + positional.subList(positionalUsed, positional.size()));
    }
    for (String key : named.keySet()) {
      if (!used.contains(key)) {
        throw new ScriptException(name + ": unknown argument " + key + "=");
      }
    }
  }

  private long parseLong(String s) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new ScriptException(name + ": '" + s + "' is not a number");
    }
  }

  @Override
  public String toString() {
    return line;
  }
}
