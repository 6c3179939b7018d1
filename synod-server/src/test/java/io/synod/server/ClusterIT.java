package io.synod.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real member processes (what bin/synod runs) on loopback ports: all become healthy; one is
 * killed with SIGKILL; the other two stay healthy; the killed one restarts on its data dir and
 * rejoins.
 */
class ClusterIT {
  private static final Duration LIMIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void threeProcessesSurviveAKillNineAndTheVictimRejoinsFromItsDataDir() throws Exception {
    try (MemberProcesses members = new MemberProcesses(3, dir, List.of())) {
      members.startAll();
      members.awaitHealthy(LIMIT);

      members.kill(1); // SIGKILL
      Await.until(
          LIMIT, "m1 and m3 healthy without m2", () -> members.healthy(0) && members.healthy(2));

      members.start(1);
      Await.until(LIMIT, "restarted m2 healthy", () -> members.healthy(1));
      assertThat(members.log(1)).contains("restarting member").doesNotContain("SEVERE");
      assertThat(members.healthy(0) && members.healthy(2)).isTrue();
      for (int i = 0; i < 3; i++) {
        assertThat(members.isAlive(i)).isTrue();
      }
    }
  }

  @Test
  void aUsageErrorExitsTwoWithOneLine() throws Exception {
    List<String> cmd =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            SynodMain.class.getName(),
            "--no-such-flag");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(out.lines().toList())
        .containsExactly("synod: Unknown option: '--no-such-flag' (see synod --help)");
  }
}
