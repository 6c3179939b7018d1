package io.synod.server.metrics;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.synod.server.member.MemberIds;
import io.synod.server.node.NodeRunner;
import io.synod.storage.Disk;
import io.synod.storage.ForceTimingDisk;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.DoubleSupplier;

/**
 * One member's metrics, in Prometheus' text format for {@code /metrics} (docs/design/server.md
 * lists them). Each member has a registry of its own (tests run several in one JVM); the JVM and
 * process metrics live in one registry per JVM and are served by every member.
 *
 * <p><b>Threads.</b> Every method is safe from any thread. A scrape reads what the replica loop
 * published ({@link NodeRunner#status()}, counters, volatile fields) and never waits for the loop;
 * the histograms are observed where the events happen (the fsyncing thread, the loop thread) and
 * never wait for a scrape ({@link LockFreeHistogram}).
 */
public final class ServerMetrics {
  /** etcd's buckets for {@code etcd_disk_wal_fsync_duration_seconds}: 1 ms to about 8 s. */
  private static final double[] FSYNC_BUCKETS = exponential(0.001, 2, 14);

  /** etcd's buckets for {@code etcd_server_apply_duration_seconds}: 100 µs to about 52 s. */
  private static final double[] APPLY_BUCKETS = exponential(0.0001, 2, 20);

  private static final PrometheusRegistry JVM = jvmRegistry();

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final LockFreeHistogram walFsync =
      new LockFreeHistogram(
          "etcd_disk_wal_fsync_duration_seconds",
          "The latency distributions of fsync called by WAL.",
          FSYNC_BUCKETS);
  private final LockFreeHistogram apply =
      new LockFreeHistogram(
          "synod_apply_duration_seconds",
          "The latency distributions of applying one log entry to the state machine.",
          APPLY_BUCKETS);

  public ServerMetrics() {
    registry.register(walFsync);
    registry.register(apply);
  }

  private static PrometheusRegistry jvmRegistry() {
    PrometheusRegistry r = new PrometheusRegistry();
    JvmMetrics.builder().register(r);
    return r;
  }

  private static double[] exponential(double start, double factor, int count) {
    double[] bounds = new double[count];
    double b = start;
    for (int i = 0; i < count; i++) {
      bounds[i] = b;
      b *= factor;
    }
    return bounds;
  }

  /** {@code disk}, with every fsync of a write-ahead log segment timed. */
  public Disk timeWalFsyncs(Disk disk) {
    return new ForceTimingDisk(
        disk,
        ForceTimingDisk::isWalSegment,
        System::nanoTime,
        (start, end) -> walFsync.observe((end - start) / 1e9));
  }

  /** Records one log entry's apply, which took {@code nanos}. */
  public void appliedIn(long nanos) {
    apply.observe(nanos / 1e9);
  }

  /** A gauge whose value {@code value} reads at each scrape (quickly, without blocking). */
  public void gauge(String name, String help, DoubleSupplier value) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .callback(cb -> cb.call(value.getAsDouble()))
        .register(registry);
  }

  /**
   * A counter whose value {@code value} reads at each scrape; {@code name} without {@code _total},
   * which the exposition adds.
   */
  public void counter(String name, String help, DoubleSupplier value) {
    CounterWithCallback.builder()
        .name(name)
        .help(help)
        .callback(cb -> cb.call(value.getAsDouble()))
        .register(registry);
  }

  /** The Raft metrics of the member's replica, read from what {@code runner} publishes. */
  public void registerNode(NodeRunner runner) {
    gauge(
        "etcd_server_has_leader",
        "Whether or not a leader exists. 1 is existence, 0 is not.",
        () -> runner.status().hasLeader() ? 1 : 0);
    gauge(
        "etcd_server_is_leader",
        "Whether or not this member is a leader. 1 if is, 0 otherwise.",
        () -> runner.status().isLeader() ? 1 : 0);
    counter(
        "etcd_server_leader_changes_seen",
        "The number of leader changes seen.",
        runner::leaderChanges);
    counter(
        "etcd_server_proposals_committed",
        "The total number of consensus proposals committed (the Raft commit index).",
        () -> runner.status().commitIndex());
    counter(
        "etcd_server_proposals_applied",
        "The total number of consensus proposals applied (the applied index).",
        () -> runner.status().appliedIndex());
    gauge(
        "etcd_server_proposals_pending",
        "The current number of pending proposals to commit.",
        runner::proposalsPending);
    counter(
        "etcd_server_proposals_failed",
        "The total number of failed proposals seen.",
        runner::proposalsFailed);
    gauge("synod_raft_term", "The current Raft term of this member.", () -> runner.status().term());
    String id = MemberIds.hex(runner.memberId());
    GaugeWithCallback.builder()
        .name("etcd_server_id")
        .help("Server or member ID in hexadecimal format. 1 for 'server_id' label with current ID.")
        .labelNames("server_id")
        .callback(cb -> cb.call(1, id))
        .register(registry);
    counter(
        "synod_raft_messages_dropped",
        "Raft messages from peers dropped because the replica's inbox was full.",
        runner::droppedMessages);
  }

  /** The content type of {@link #scrape()}'s text: Prometheus text format 0.0.4. */
  public String contentType() {
    return writer.getContentType();
  }

  /** This member's metrics and the JVM's, in the text format. */
  public byte[] scrape() {
    MetricSnapshots.Builder all = MetricSnapshots.builder();
    for (MetricSnapshot s : registry.scrape()) {
      all.metricSnapshot(s);
    }
    for (MetricSnapshot s : JVM.scrape()) {
      all.metricSnapshot(s);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    try {
      writer.write(out, all.build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
