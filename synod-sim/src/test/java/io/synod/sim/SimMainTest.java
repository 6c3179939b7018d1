package io.synod.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SimMainTest {

  @Test
  void lastLineIsTheSummaryOtherChecksDependOn() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SimMain.Args args =
        SimMain.parse(new String[] {"--seeds", "2", "--first-seed", "77", "--nodes", "3"});

    boolean failed =
        SimMain.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

    String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
    assertThat(failed).isFalse();
    assertThat(lines[lines.length - 1]).matches("sim: seeds=2 failed=0 events=\\d+ ops=\\d+");
  }

  @Test
  void replayCommandNamesTheSeedAndTheFixedOptions() {
    SimMain.Args args =
        SimMain.parse(
            new String[] {
              "--seeds", "5", "--nodes", "5", "--planted-bug", "vote-without-log-check"
            });

    assertThat(SimMain.replayCommand(args, 1234))
        .isEqualTo(
            "bin/synod-sim --seeds 1 --first-seed 1234 --nodes 5 --planted-bug vote-without-log-check"
                + " --verbose");
  }

  @Test
  void keyValuePlantedBugsAreNamedLikeRaftOnes() {
    SimMain.Args args =
        SimMain.parse(
            new String[] {
              "--seeds",
              "5",
              "--planted-bug",
              "ack-before-sync",
              "--planted-bug",
              "watch-skips-compacted"
            });

    assertThat(args.kvBugs()).containsExactly(io.synod.kv.KvPlantedBug.WATCH_SKIPS_COMPACTED);
    assertThat(SimMain.replayCommand(args, 9))
        .isEqualTo(
            "bin/synod-sim --seeds 1 --first-seed 9 --planted-bug ack-before-sync"
                + " --planted-bug watch-skips-compacted --verbose");
    assertThatThrownBy(() -> SimMain.parse(new String[] {"--seeds", "1", "--planted-bug", "typo"}))
        .hasMessageStartingWith("unknown planted bug 'typo'; known: [COMMIT_OLD_TERM");
  }

  @Test
  void badArgumentsGetOneClearLine() {
    assertThatThrownBy(() -> SimMain.parse(new String[] {}))
        .hasMessage("--seeds is required (try --help)");
    assertThatThrownBy(() -> SimMain.parse(new String[] {"--seeds", "x"}))
        .hasMessage("--seeds takes a whole number, not 'x'");
    assertThatThrownBy(() -> SimMain.parse(new String[] {"--seeds", "0"}))
        .hasMessageContaining("--seeds must be in [1, ");
    assertThatThrownBy(() -> SimMain.parse(new String[] {"--seeds", "1", "--nodes", "12"}))
        .hasMessage("--nodes must be in [1, 9], not 12");
    assertThatThrownBy(() -> SimMain.parse(new String[] {"--seeds", "1", "--frobnicate"}))
        .hasMessage("unknown argument '--frobnicate' (try --help)");
    assertThatThrownBy(() -> SimMain.parse(new String[] {"--seeds"}))
        .hasMessage("--seeds needs a value");
    assertThatThrownBy(() -> SimMain.parse(new String[] {"--seeds", "3", "--trace"}))
        .hasMessage("--trace replays one seed: use it with --seeds 1");
  }

  @Test
  void helpReturnsNoArguments() {
    assertThat(SimMain.parse(new String[] {"--help"})).isNull();
    assertThat(SimMain.usage()).contains("--seeds N");
  }
}
