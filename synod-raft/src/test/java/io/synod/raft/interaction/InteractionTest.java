package io.synod.raft.interaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.synod.raft.PlantedBug;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
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

  /** A known-wrong rule and a script whose trace it must change (or whose run it must break). */
  private record Teeth(PlantedBug bug, String script, boolean safetyViolation) {}

  private static final List<Teeth> TEETH =
      List.of(
          new Teeth(
              PlantedBug.COMMIT_OLD_TERM_BY_COUNTING,
              "raft_paper_figure8_old_term_entry_overwritten.txt",
              true),
          new Teeth(
              PlantedBug.VOTE_WITHOUT_LOG_CHECK, "election_out_of_date_candidate_loses.txt", true),
          new Teeth(
              PlantedBug.READ_INDEX_WITHOUT_QUORUM,
              "read_index_partitioned_old_leader_releases_nothing.txt",
              false),
          new Teeth(PlantedBug.ACK_BEFORE_SYNC, "single_node.txt", false));

  /**
   * The goldens have teeth: with each planted bug switched on in every node, a script that covers
   * the rule no longer reproduces its trace, and where the bug loses a committed entry the safety
   * checker stops the run.
   */
  @TestFactory
  Stream<DynamicTest> everyPlantedBugBreaksTheScriptThatCoversIt() {
    assertThat(TEETH.stream().map(Teeth::bug)).containsExactlyInAnyOrder(PlantedBug.values());
    return TEETH.stream()
        .map(
            t ->
                DynamicTest.dynamicTest(
                    t.bug() + " breaks " + t.script(), () -> assertBugIsCaught(t)));
  }

  private static void assertBugIsCaught(Teeth t) throws IOException {
    Path path = SCRIPTS.resolve(t.script());
    DataDrivenScript script =
        DataDrivenScript.parse(t.script(), Files.readString(path, StandardCharsets.UTF_8));
    InteractionEnv env = new InteractionEnv(Set.of(t.bug()));
    DataDrivenScript.Outcome[] outcome = new DataDrivenScript.Outcome[1];
    Throwable failure = catchThrowable(() -> outcome[0] = script.run(env::handle));
    if (t.safetyViolation()) {
      assertThat(failure).isInstanceOf(AssertionError.class);
      assertThat(failure.getMessage()).contains("SAFETY VIOLATION");
      return;
    }
    if (failure == null) {
      assertThat(outcome[0].firstMismatch())
          .as("%s still reproduces %s", t.bug(), t.script())
          .isPresent();
    } else {
      assertThat(failure).isInstanceOf(AssertionError.class);
    }
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
