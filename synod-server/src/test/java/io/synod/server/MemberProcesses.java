package io.synod.server;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
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

/**
 * Members of a {@link LocalCluster} as real child processes: {@code java -cp <test classpath>
 * io.synod.server.SynodMain <etcd flags>}, what {@code bin/synod} runs, each writing its output to
 * {@code <root>/logs/m<i>-<launch>.log}. Kill with SIGKILL, stop with SIGTERM, restart on the same
 * data dir. {@link #close()} ends every process it started (SIGTERM, then SIGKILL after a bound).
 *
 * <p>Not thread-safe: one test thread drives it.
 */
public final class MemberProcesses implements AutoCloseable {
  /** How long a process may take to exit after a signal. */
  private static final Duration EXIT_LIMIT = Duration.ofSeconds(20);

  public final LocalCluster flags;
  private final Path logDir;
  private final Process[] processes;
  private final int[] launches;
  private final List<String> jvmOptions;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  /**
   * {@code n} members with data dirs under {@code root}; {@code extraFlags} go to every member.
   * Nothing starts yet. WAL segments are 1 MiB (the default 64 MiB, zero-filled and synced, would
   * cost each start seconds of disk time on a small machine; small segments also roll over often).
   */
  public MemberProcesses(int n, Path root, List<String> extraFlags) {
    this.flags = new LocalCluster(n, root.resolve("data"), extraFlags);
    this.logDir = root.resolve("logs");
    this.processes = new Process[n];
    this.launches = new int[n];
    this.jvmOptions =
        List.of(
            "-Xmx256m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-D" + SynodMain.WAL_SEGMENT_BYTES_PROPERTY + "=" + (1 << 20));
  }

  public int size() {
    return processes.length;
  }

  /** Starts every member. */
  public void startAll() {
    for (int i = 0; i < processes.length; i++) {
      start(i);
    }
  }

  /** Starts member {@code i} (again, on its data dir, if it ran before). */
  public void start(int i) {
    if (processes[i] != null && processes[i].isAlive()) {
      throw new IllegalStateException(flags.names.get(i) + " is running");
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(SynodMain.class.getName());
    cmd.addAll(flags.args(i));
    try {
      Files.createDirectories(logDir);
      File log = logFile(i, ++launches[i]).toFile();
      processes[i] =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** SIGKILL: the process dies at once, with whatever it had not synced. */
  public void kill(int i) throws InterruptedException {
    Process p = processes[i];
    p.destroyForcibly();
    if (!p.waitFor(EXIT_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
      throw new AssertionError(flags.names.get(i) + " survived SIGKILL for " + EXIT_LIMIT);
    }
    if (p.exitValue() != 137) {
      throw new AssertionError(flags.names.get(i) + " exited " + p.exitValue() + ", not 137");
    }
  }

  /** SIGTERM, as an operator stops a member; returns its exit status. */
  public int stop(int i) throws InterruptedException {
    Process p = processes[i];
    p.destroy();
    if (!p.waitFor(EXIT_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(EXIT_LIMIT.toSeconds(), TimeUnit.SECONDS);
      throw new AssertionError(flags.names.get(i) + " ignored SIGTERM for " + EXIT_LIMIT);
    }
    return p.exitValue();
  }

  public boolean isAlive(int i) {
    return processes[i] != null && processes[i].isAlive();
  }

  /** "127.0.0.1:port" of member {@code i}'s client URL. */
  public String endpoint(int i) {
    return "127.0.0.1:" + flags.clientPorts.get(i);
  }

  /** Every member's endpoint, comma-separated (etcdctl's {@code --endpoints}). */
  public String endpoints() {
    List<String> all = new ArrayList<>();
    for (int i = 0; i < processes.length; i++) {
      all.add(endpoint(i));
    }
    return String.join(",", all);
  }

  /** Whether member {@code i}'s {@code /health} says true (a leader and a quorum read). */
  public boolean healthy(int i) {
    return healthAt(http, flags.clientUrl(i));
  }

  /** Whether the {@code /health} under {@code clientUrl} says true. */
  public static boolean healthAt(HttpClient http, String clientUrl) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(clientUrl + "/health"))
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

  /** Waits until every running member is healthy; fails naming the first that is not. */
  public void awaitHealthy(Duration limit) {
    for (int i = 0; i < processes.length; i++) {
      int m = i;
      if (isAlive(m)) {
        Await.until(limit, flags.names.get(m) + " healthy\n" + tail(m), () -> healthy(m));
      }
    }
  }

  /** What member {@code i}'s latest launch wrote (empty if it never started). */
  public String log(int i) {
    Path p = logFile(i, launches[i]);
    try {
      return Files.exists(p) ? Files.readString(p) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The last lines of member {@code i}'s log, for failure messages. */
  public String tail(int i) {
    List<String> lines = log(i).lines().toList();
    return flags.names.get(i)
        + " log:\n"
        + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
  }

  private Path logFile(int i, int launch) {
    return logDir.resolve(flags.names.get(i) + "-" + launch + ".log");
  }

  /** Stops every process still running: SIGTERM, then SIGKILL after the bound. */
  @Override
  public void close() {
    for (Process p : processes) {
      if (p != null) {
        p.destroy();
      }
    }
    try {
      for (Process p : processes) {
        if (p != null && !p.waitFor(EXIT_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor(EXIT_LIMIT.toSeconds(), TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      for (Process p : processes) {
        if (p != null) {
          p.destroyForcibly();
        }
      }
      Thread.currentThread().interrupt();
    }
  }
}
