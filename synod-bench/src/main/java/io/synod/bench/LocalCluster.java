package io.synod.bench;

import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.grpc.Status;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * A cluster of member processes on loopback, started by the compare driver: Synod ({@code
 * bin/synod}) or etcd, with the same etcd flags. Member {@code i} (from 1) listens for clients on
 * {@code clientBase + i - 1} and for peers on {@code peerBase + i - 1}; its data directory is
 * {@code dataRoot/<name>} and its output goes to {@code dataRoot/<name>.log}. {@link #close} stops
 * every member (SIGTERM, then SIGKILL after a grace period) and is safe to call twice and from a
 * shutdown hook. Started and used by one thread; {@link #close} may come from another.
 */
final class LocalCluster implements AutoCloseable {
  private static final long READY_SECONDS_MAX = 120;
  private static final long STOP_SECONDS_MAX = 10;
  private static final long READY_CALL_MILLIS = 2_000;
  private static final int LOG_TAIL_LINES = 15;

  enum Kind {
    SYNOD("synod", "m"),
    ETCD("etcd", "e");

    private final String label;
    private final String memberPrefix;

    Kind(String label, String memberPrefix) {
      this.label = label;
      this.memberPrefix = memberPrefix;
    }

    String label() {
      return label;
    }
  }

  record Member(String name, Process process, Path log) {}

  private final Kind kind;
  private final List<Member> members;
  private final List<String> endpoints;

  private final List<Path> dataDirs = new ArrayList<>();

  private LocalCluster(Kind kind, List<Member> members, List<String> endpoints) {
    this.kind = kind;
    this.members = members;
    this.endpoints = endpoints;
  }

  /**
   * Member {@code index} (from 0): m1, m2, ... for Synod as bin/synod-cluster names them; e1, ...
   */
  static String memberName(Kind kind, int index) {
    return kind.memberPrefix + (index + 1);
  }

  /** The flags of member {@code index} (from 0): etcd's, which Synod accepts unchanged. */
  static List<String> memberCommand(
      Kind kind, String binary, Path dataRoot, int index, int size, int clientBase, int peerBase) {
    String name = memberName(kind, index);
    String client = "http://127.0.0.1:" + (clientBase + index);
    String peer = "http://127.0.0.1:" + (peerBase + index);
    List<String> initial = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      initial.add(memberName(kind, i) + "=http://127.0.0.1:" + (peerBase + i));
    }
    List<String> cmd =
        new ArrayList<>(
            List.of(
                binary,
                "--name",
                name,
                "--data-dir",
                dataRoot.resolve(name).toString(),
                "--listen-client-urls",
                client,
                "--advertise-client-urls",
                client,
                "--listen-peer-urls",
                peer,
                "--initial-advertise-peer-urls",
                peer,
                "--initial-cluster",
                String.join(",", initial),
                "--initial-cluster-token",
                "bench-" + kind.label,
                "--initial-cluster-state",
                "new"));
    if (kind == Kind.ETCD) {
      // etcd 3.4's default logger is deprecated and says so at length.
      cmd.addAll(List.of("--logger", "zap", "--log-outputs", "stderr"));
    }
    return cmd;
  }

  /** The ports a cluster of {@code size} members would bind that something else holds. */
  static List<Integer> busyPorts(int size, int clientBase, int peerBase) {
    List<Integer> busy = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      for (int port : new int[] {clientBase + i, peerBase + i}) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
          s.setReuseAddress(true);
        } catch (IOException e) {
          busy.add(port);
        }
      }
    }
    return busy;
  }

  /** Starts the members (fresh data under {@code dataRoot}); does not wait for them to serve. */
  static LocalCluster start(
      Kind kind, String binary, Path dataRoot, int size, int clientBase, int peerBase)
      throws IOException {
    List<Integer> busy = busyPorts(size, clientBase, peerBase);
    if (!busy.isEmpty()) {
      throw new IllegalStateException(
          kind.label + ": ports " + busy + " are in use (choose others with the port options)");
    }
    Files.createDirectories(dataRoot);
    List<Member> members = new ArrayList<>();
    List<String> endpoints = new ArrayList<>();
    LocalCluster cluster = new LocalCluster(kind, members, endpoints);
    try {
      for (int i = 0; i < size; i++) {
        List<String> cmd = memberCommand(kind, binary, dataRoot, i, size, clientBase, peerBase);
        String name = memberName(kind, i);
        Path log = dataRoot.resolve(name + ".log");
        ProcessBuilder pb =
            new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        // Only the flags count: an ETCD_* variable would change either server behind our back.
        env.keySet().removeIf(k -> k.startsWith("ETCD_"));
        // The driver built Synod before (bin/synod --version); members must not each build again
        // if sources change meanwhile: three builds in one tree at once break each other.
        env.put("SYNOD_NO_BUILD", "1");
        members.add(new Member(name, pb.start(), log));
        cluster.dataDirs.add(dataRoot.resolve(name));
        endpoints.add("127.0.0.1:" + (clientBase + i));
      }
    } catch (IOException | RuntimeException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  Kind kind() {
    return kind;
  }

  List<String> endpoints() {
    return List.copyOf(endpoints);
  }

  /** Each member's data directory. */
  List<Path> dataDirs() {
    return List.copyOf(dataDirs);
  }

  List<Long> pids() {
    return members.stream().map(m -> m.process().pid()).toList();
  }

  /** The members' CPU time, utime + stime summed, in clock ticks; -1 if a member is gone. */
  long cpuTicks() {
    long sum = 0;
    for (Member m : members) {
      long t = ProcStats.cpuTicks(m.process().pid());
      if (t < 0) {
        return -1;
      }
      sum += t;
    }
    return sum;
  }

  /** Each member's current resident set (VmRSS) in KiB, -1 for a member that is gone. */
  List<Long> rssKib() {
    return members.stream().map(m -> ProcStats.rssKib(m.process().pid())).toList();
  }

  /** Each member's peak resident set (VmHWM) in KiB, -1 for a member that is gone. */
  List<Long> peakRssKib() {
    return members.stream().map(m -> ProcStats.peakRssKib(m.process().pid())).toList();
  }

  /** The first member that exited, with its status and last log lines; empty if all run. */
  String deadMember() {
    for (Member m : members) {
      if (!m.process().isAlive()) {
        return kind.label
            + " member "
            + m.name()
            + " exited with status "
            + m.process().exitValue()
            + "; its log ("
            + m.log()
            + ") ends:\n"
            + logTail(m.log());
      }
    }
    return "";
  }

  /**
   * Waits until every member answers a Put (or answers UNIMPLEMENTED: it serves, without the KV
   * service), at most {@value #READY_SECONDS_MAX} s.
   *
   * @throws IllegalStateException if a member exits or the cluster is not ready in time
   */
  void awaitReady() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_SECONDS_MAX);
    String last = "";
    try (EtcdChannels channels = EtcdChannels.open(endpoints, endpoints.size())) {
      for (int i = 0; i < endpoints.size(); i++) {
        while (true) {
          String dead = deadMember();
          if (!dead.isEmpty()) {
            throw new IllegalStateException(dead);
          }
          Status s = putOnce(channels, i);
          if (s.isOk() || s.getCode() == Status.Code.UNIMPLEMENTED) {
            break;
          }
          last = LoadStats.describe(s);
          if (System.nanoTime() - deadline > 0) {
            throw new IllegalStateException(
                kind.label
                    + " not ready after "
                    + READY_SECONDS_MAX
                    + " s: "
                    + endpoints.get(i)
                    + " answers "
                    + last);
          }
          TimeUnit.MILLISECONDS.sleep(250);
        }
      }
    }
  }

  private static Status putOnce(EtcdChannels channels, int i) throws InterruptedException {
    Unary<PutResponse> done = new Unary<>();
    KvLoad.kv(channels.get(i))
        .withDeadlineAfter(READY_CALL_MILLIS, TimeUnit.MILLISECONDS)
        .put(
            KvLoad.put(
                com.google.protobuf.ByteString.copyFromUtf8("bench/ready"),
                com.google.protobuf.ByteString.copyFromUtf8("1")),
            done);
    try {
      done.get(READY_CALL_MILLIS + 1_000, TimeUnit.MILLISECONDS);
      return Status.OK;
    } catch (ExecutionException e) {
      return Unary.statusOf(e);
    } catch (TimeoutException e) {
      return Status.DEADLINE_EXCEEDED.withDescription("no answer");
    }
  }

  /**
   * The member that leads, by Maintenance.Status: its name, or why it is unknown (a server without
   * the Maintenance service). For the report: a single client's latency depends on it.
   */
  String leader() throws InterruptedException {
    try (EtcdChannels channels = EtcdChannels.open(endpoints, endpoints.size())) {
      List<Unary<StatusResponse>> calls = new ArrayList<>();
      for (int i = 0; i < endpoints.size(); i++) {
        Unary<StatusResponse> call = new Unary<>();
        MaintenanceGrpc.newStub(channels.get(i))
            .withDeadlineAfter(READY_CALL_MILLIS, TimeUnit.MILLISECONDS)
            .status(StatusRequest.getDefaultInstance(), call);
        calls.add(call);
      }
      String why = "unknown";
      for (int i = 0; i < calls.size(); i++) {
        try {
          StatusResponse r = calls.get(i).get(READY_CALL_MILLIS + 1_000, TimeUnit.MILLISECONDS);
          if (r.getLeader() != 0 && r.getLeader() == r.getHeader().getMemberId()) {
            return members.get(i).name();
          }
        } catch (ExecutionException e) {
          why = "unknown (" + LoadStats.describe(Unary.statusOf(e)) + ")";
        } catch (TimeoutException e) {
          why = "unknown (Status timed out)";
        }
      }
      return why;
    }
  }

  /** Stops every member: SIGTERM, then SIGKILL for those still running after the grace period. */
  @Override
  public synchronized void close() {
    for (Member m : members) {
      m.process().descendants().forEach(ProcessHandle::destroy);
      m.process().destroy();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STOP_SECONDS_MAX);
    boolean interrupted = false;
    for (Member m : members) {
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        if (!m.process().waitFor(left, TimeUnit.NANOSECONDS)) {
          m.process().destroyForcibly();
          m.process().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        interrupted = true;
        m.process().destroyForcibly();
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  static String logTail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()).stream()
          .map(l -> "  " + l)
          .collect(Collectors.joining("\n"));
    } catch (IOException | RuntimeException e) {
      return "  (unreadable: " + e.getMessage() + ")";
    }
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT, "%s members %s at %s", kind.label, pids(), String.join(",", endpoints));
  }
}
