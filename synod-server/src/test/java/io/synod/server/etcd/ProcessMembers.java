package io.synod.server.etcd;

import io.synod.server.Await;
import io.synod.server.MemberProcesses;
import io.synod.server.SynodMain;
import io.synod.server.TestPorts;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Members as real child processes ({@code java ... io.synod.server.SynodMain}, what {@code
 * bin/synod} runs) whose set changes: founding members, members added at run time and started with
 * {@code --initial-cluster-state existing}, members of a cluster restored from a snapshot. Each
 * launch writes {@code <root>/logs/<name>-<n>.log}. {@link #close()} ends every process it started
 * (SIGTERM, then SIGKILL after a bound). Driven by one test thread.
 */
final class ProcessMembers implements AutoCloseable {
  static final Duration LIMIT = Duration.ofSeconds(60);
  private static final Duration EXIT_LIMIT = Duration.ofSeconds(20);

  /** A member's name and ports. */
  record Node(String name, int clientPort, int peerPort) {
    String endpoint() {
      return "127.0.0.1:" + clientPort;
    }

    String clientUrl() {
      return "http://" + endpoint();
    }

    String peerUrl() {
      return "http://127.0.0.1:" + peerPort;
    }
  }

  private final Path root;
  private final String token;
  private final List<String> extraFlags;
  final Map<String, Node> nodes = new LinkedHashMap<>();
  private final Map<String, Process> processes = new LinkedHashMap<>();
  private final Map<String, Integer> launches = new LinkedHashMap<>();
  private final List<Process> all = new ArrayList<>();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  ProcessMembers(Path root, String token, String... extraFlags) {
    this.root = root;
    this.token = token;
    this.extraFlags = List.of(extraFlags);
  }

  /** Reserves ports for {@code names}. */
  ProcessMembers reserve(String... names) {
    for (String name : names) {
      List<Integer> ports = TestPorts.free(2);
      nodes.put(name, new Node(name, ports.get(0), ports.get(1)));
    }
    return this;
  }

  /** {@code name=peerURL,...} of the given members (every reserved one if none given). */
  String initialCluster(String... names) {
    List<String> parts = new ArrayList<>();
    List<String> which = names.length == 0 ? List.copyOf(nodes.keySet()) : List.of(names);
    which.forEach(n -> parts.add(n + "=" + nodes.get(n).peerUrl()));
    return String.join(",", parts);
  }

  String endpoints(String... names) {
    List<String> out = new ArrayList<>();
    for (String n : names) {
      out.add(nodes.get(n).endpoint());
    }
    return String.join(",", out);
  }

  Path dataDir(String name) {
    return root.resolve("data").resolve(name);
  }

  /** The JVM command line of {@code SynodMain} with {@code args}. */
  static List<String> java(List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(
        List.of(
            "-Xmx256m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-D" + SynodMain.WAL_SEGMENT_BYTES_PROPERTY + "=" + (1 << 20)));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(SynodMain.class.getName());
    cmd.addAll(args);
    return cmd;
  }

  /** Starts {@code name} with {@code initialCluster} and {@code state} ("new" or "existing"). */
  void start(String name, String initialCluster, String state) {
    Node n = nodes.get(name);
    List<String> args =
        new ArrayList<>(
            List.of(
                "--name=" + name,
                "--data-dir=" + dataDir(name),
                "--listen-client-urls=" + n.clientUrl(),
                "--advertise-client-urls=" + n.clientUrl(),
                "--listen-peer-urls=" + n.peerUrl(),
                "--initial-advertise-peer-urls=" + n.peerUrl(),
                "--initial-cluster=" + initialCluster,
                "--initial-cluster-token=" + token,
                "--initial-cluster-state=" + state,
                "--heartbeat-interval=50",
                "--election-timeout=500"));
    args.addAll(extraFlags);
    try {
      Files.createDirectories(root.resolve("logs"));
      int launch = launches.merge(name, 1, Integer::sum);
      File log = logFile(name, launch).toFile();
      Process p =
          new ProcessBuilder(java(args))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
              .start();
      processes.put(name, p);
      all.add(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts every reserved member as a founding member of one cluster. */
  void startAll() {
    String initial = initialCluster();
    for (String name : nodes.keySet()) {
      start(name, initial, "new");
    }
  }

  Process process(String name) {
    return processes.get(name);
  }

  boolean isAlive(String name) {
    Process p = processes.get(name);
    return p != null && p.isAlive();
  }

  /** Waits for {@code name}'s process to exit by itself; returns its status. */
  int awaitExit(String name) throws InterruptedException {
    Process p = processes.get(name);
    if (!p.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)) {
      throw new AssertionError(name + " still runs after " + LIMIT + "\n" + tail(name));
    }
    return p.exitValue();
  }

  boolean healthy(String name) {
    return MemberProcesses.healthAt(http, nodes.get(name).clientUrl());
  }

  void awaitHealthy(String... names) {
    for (String n : names) {
      Await.until(LIMIT, n + " healthy\n" + tail(n), () -> healthy(n));
    }
  }

  String log(String name) {
    Path p = logFile(name, launches.getOrDefault(name, 0));
    try {
      return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String tail(String name) {
    List<String> lines = log(name).lines().toList();
    return name
        + " log:\n"
        + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
  }

  private Path logFile(String name, int launch) {
    return root.resolve("logs").resolve(name + "-" + launch + ".log");
  }

  @Override
  public void close() {
    for (Process p : all) {
      p.destroy();
    }
    try {
      for (Process p : all) {
        if (!p.waitFor(EXIT_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor(EXIT_LIMIT.toSeconds(), TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
