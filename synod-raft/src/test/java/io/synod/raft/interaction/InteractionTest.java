package io.synod.raft.interaction;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.opentest4j.AssertionFailedError;

/**
 * Golden interaction tests of the Raft core: every {@code src/test/resources/interaction/*.txt}
 * script runs as one dynamic test through a fresh {@link InteractionEnv}, and each command's output
 * must equal the trace recorded below it. The format and commands are described in that directory's
 * {@code README.md}.
 *
 * <p><b>Rewriting the goldens.</b> After an intended change of behaviour, or to fill in a new
 * script (write the commands, each followed by an empty {@code ----} block), run
 *
 * <pre>
 * mvn -q -B verify -pl synod-raft -am -Drewrite=true
 * </pre>
 *
 * and review the diff of the {@code .txt} files like code: it is the change in behaviour. {@code
 * -Dinteraction.only=prevote} runs only the scripts whose name contains {@code prevote}. A safety
 * violation or a script error fails the run even when rewriting.
 */
class InteractionTest {
  static final Path SCRIPTS = locateScripts();

  @TestFactory
  Stream<DynamicTest> everyScriptProducesItsRecordedTrace() {
    boolean rewrite = Boolean.getBoolean("rewrite");
    String only = System.getProperty("interaction.only", "");
    return scripts().stream()
        .filter(p -> p.getFileName().toString().contains(only))
        .map(
            p ->
                DynamicTest.dynamicTest(
                    p.getFileName().toString(), p.toUri(), () -> runScript(p, rewrite)));
  }

  static List<Path> scripts() {
    try (Stream<Path> files = Files.list(SCRIPTS)) {
      List<Path> scripts =
          files.filter(p -> p.getFileName().toString().endsWith(".txt")).sorted().toList();
      assertThat(scripts).as("interaction scripts in %s", SCRIPTS).isNotEmpty();
      return scripts;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void runScript(Path path, boolean rewrite) throws IOException {
    String text = Files.readString(path, StandardCharsets.UTF_8);
    DataDrivenScript script = DataDrivenScript.parse(path.getFileName().toString(), text);
    InteractionEnv env = new InteractionEnv();
    DataDrivenScript.Outcome outcome = script.run(env::handle);
    if (rewrite) {
      if (!outcome.actualText().equals(text)) {
        Files.writeString(path, outcome.actualText(), StandardCharsets.UTF_8);
      }
      return;
    }
    if (outcome.firstMismatch().isPresent()) {
      DataDrivenScript.Mismatch m = outcome.firstMismatch().get();
      throw new AssertionFailedError(
          String.format(
              "%s:%d: output of '%s' differs (rerun with -Drewrite=true if the change is"
                  + " intended)%nexpected:%n%s%nactual:%n%s",
              path.getFileName(), m.lineNumber(), m.command(), m.expected(), m.actual()),
          text,
          outcome.actualText());
    }
    assertThat(outcome.actualText()).isEqualTo(text);
  }

  /** The source directory, so that a rewrite changes the files under version control. */
  private static Path locateScripts() {
    for (String candidate :
        List.of("src/test/resources/interaction", "synod-raft/src/test/resources/interaction")) {
      Path p = Path.of(candidate);
      if (Files.isDirectory(p)) {
        return p.toAbsolutePath();
      }
    }
    throw new IllegalStateException(
        "run from the synod-raft module or the repository root: no src/test/resources/interaction");
  }
}
