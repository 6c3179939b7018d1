package io.synod.raft.interaction;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * A datadriven test script, in the format of cockroachdb/datadriven as used by etcd-io/raft:
 *
 * <pre>
 * # a comment, kept as is
 * command arg key=value key=(1,2)
 * ----
 * the expected output,
 * one or more lines without a blank one
 *
 * next-command ...
 * </pre>
 *
 * A directive is a command line, a line {@code ----}, and the expected output up to the next blank
 * line or the end of the file. Comment lines ({@code #}) and blank lines between directives are
 * kept verbatim when the script is rewritten with actual output. Immutable.
 */
final class DataDrivenScript {
  static final String SEPARATOR = "----";

  /** One piece of the file: a verbatim line or a directive. */
  sealed interface Chunk {}

  record Verbatim(String line) implements Chunk {}

  /** {@code lineNumber} is the 1-based line of the command. */
  record Directive(int lineNumber, String command, List<String> expected) implements Chunk {
    Directive {
      expected = List.copyOf(expected);
    }
  }

  /** The first directive whose actual output differs from the expected one. */
  record Mismatch(int lineNumber, String command, String expected, String actual) {}

  /** The script with actual outputs, and the first mismatch if any. */
  record Outcome(String actualText, Optional<Mismatch> firstMismatch) {}

  private final String name;
  private final List<Chunk> chunks;

  private DataDrivenScript(String name, List<Chunk> chunks) {
    this.name = name;
    this.chunks = List.copyOf(chunks);
  }

  /** Parses {@code text}; {@code name} is used in error messages. */
  static DataDrivenScript parse(String name, String text) {
    List<String> lines = text.lines().toList();
    List<Chunk> chunks = new ArrayList<>();
    int i = 0;
    while (i < lines.size()) {
      String line = lines.get(i);
      if (line.isBlank() || line.startsWith("#")) {
        chunks.add(new Verbatim(line));
        i++;
        continue;
      }
      int commandLine = i + 1;
      if (i + 1 >= lines.size() || !lines.get(i + 1).equals(SEPARATOR)) {
        throw new ScriptException(
            name + ":" + commandLine + ": expected '" + SEPARATOR + "' after '" + line + "'");
      }
      i += 2;
      List<String> expected = new ArrayList<>();
      while (i < lines.size() && !lines.get(i).isBlank()) {
        expected.add(lines.get(i));
        i++;
      }
      chunks.add(new Directive(commandLine, line.trim(), expected));
    }
    return new DataDrivenScript(name, chunks);
  }

  String name() {
    return name;
  }

  List<Chunk> chunks() {
    return chunks;
  }

  /**
   * Runs every directive in order through {@code handler}, which returns the command's output (at
   * least one line, no blank lines). Execution goes on after a mismatch, so a rewrite sees the
   * whole file; the first mismatch is reported.
   */
  Outcome run(Function<String, String> handler) {
    StringBuilder out = new StringBuilder();
    Mismatch first = null;
    for (Chunk chunk : chunks) {
      if (chunk instanceof Verbatim v) {
        out.append(v.line()).append('\n');
        continue;
      }
      Directive d = (Directive) chunk;
      String actual;
      try {
        actual = handler.apply(d.command()).stripTrailing();
      } catch (ScriptException e) {
        throw new ScriptException(name + ":" + d.lineNumber() + ": " + e.getMessage());
      } catch (RuntimeException | AssertionError e) {
        throw new AssertionError(
            name + ":" + d.lineNumber() + ": '" + d.command() + "' failed: " + e, e);
      }
      if (actual.isEmpty() || actual.lines().anyMatch(String::isBlank)) {
        throw new ScriptException(
            name + ":" + d.lineNumber() + ": output of '" + d.command() + "' has a blank line");
      }
      String expected = String.join("\n", d.expected());
      if (first == null && !expected.equals(actual)) {
        first = new Mismatch(d.lineNumber(), d.command(), expected, actual);
      }
      out.append(d.command()).append('\n').append(SEPARATOR).append('\n');
      out.append(actual).append('\n');
    }
    return new Outcome(out.toString(), Optional.ofNullable(first));
  }

  /** The script as text, with the expected outputs it was parsed with. */
  String text() {
    StringBuilder out = new StringBuilder();
    for (Chunk chunk : chunks) {
      if (chunk instanceof Verbatim v) {
        out.append(v.line()).append('\n');
      } else {
        Directive d = (Directive) chunk;
        out.append(d.command()).append('\n').append(SEPARATOR).append('\n');
        for (String line : d.expected()) {
          out.append(line).append('\n');
        }
      }
    }
    return out.toString();
  }
}
