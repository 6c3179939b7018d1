package io.synod.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
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
  private LocalCluster cluster;
  private final Process[] members = new Process[3];
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  private Process launch(int i, String logName) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(SynodMain.class.getName());
    cmd.addAll(cluster.args(i));
    File log = dir.resolve(logName).toFile();
    members[i] =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
            .start();
    return members[i];
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : members) {
      if (p != null) {
        p.destroy();
      }
    }
    for (Process p : members) {
      if (p != null && !p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  private boolean healthy(int i) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(cluster.clientUrl(i) + "/health"))
                  .timeout(Duration.ofSeconds(3))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && r.body().equals("{\"health\":\"true\"}");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private String log(String name) throws IOException {
    return Files.readString(dir.resolve(name));
  }

  @Test
  void threeProcessesSurviveAKillNineAndTheVictimRejoinsFromItsDataDir() throws Exception {
    cluster = new LocalCluster(3, dir.resolve("data"));
    for (int i = 0; i < 3; i++) {
      launch(i, "m" + (i + 1) + ".log");
    }
    for (int i = 0; i < 3; i++) {
      int m = i;
      Await.until(LIMIT, "m" + (m + 1) + " healthy", () -> healthy(m));
    }

    Process victim = members[1];
    victim.destroyForcibly(); // SIGKILL on Linux
    assertThat(victim.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(victim.exitValue()).isEqualTo(137);
    Await.until(LIMIT, "m1 and m3 healthy without m2", () -> healthy(0) && healthy(2));

    launch(1, "m2-restarted.log");
    Await.until(LIMIT, "restarted m2 healthy", () -> healthy(1));
    assertThat(log("m2-restarted.log")).contains("restarting member").doesNotContain("SEVERE");
    assertThat(healthy(0) && healthy(2)).isTrue();
    for (Process p : members) {
      assertThat(p.isAlive()).isTrue();
    }
  }

  @Test
  void aUsageErrorExitsTwoWithOneLine() throws Exception {
    cluster = new LocalCluster(1, dir.resolve("data"));
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
