package io.synod.bench;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One workload against one cluster, for one run: what it prepares before the load (keys, leases,
 * watch streams), what each client sends, and what it tears down. The driver ({@link LoadRun}) owns
 * timing and counting. Set up and closed on the driver's thread; clients run on network threads.
 */
interface LoadWorkload extends AutoCloseable {

  /** One client's operation loop: one operation at a time, never two concurrently. */
  interface ClientOp {
    /**
     * Starts one operation; the future completes with the number of retries it took (CAS), or fails
     * with the gRPC error. {@code startNanos} is the operation's start as the driver counts it (its
     * intended start in an open loop).
     */
    CompletableFuture<Integer> next(long startNanos);
  }

  /** The target answered UNIMPLEMENTED while the workload was being set up. */
  final class Unsupported extends Exception {
    Unsupported(String message) {
      super(message);
    }
  }

  /**
   * Prepares the run before {@code deadlineNanos} (System.nanoTime).
   *
   * @throws Unsupported if the target does not implement a service the workload needs
   * @throws IllegalStateException if the preparation fails or runs past the deadline
   */
  void setUp(long deadlineNanos) throws Unsupported, InterruptedException;

  ClientOp client(int index);

  /** Whether the workload records its latency itself (watch: at the watcher, put to event). */
  default boolean recordsOwnLatency() {
    return false;
  }

  /** Adds the workload's own counts for the measured window (the run's JSON shows them). */
  default void addFigures(Map<String, Long> figures) {}

  /** Releases streams and leases; best effort, bounded in time. */
  @Override
  void close();

  static LoadWorkload create(LoadSpec spec, EtcdChannels channels, LoadStats stats) {
    KeySpace keys = new KeySpace(spec.keys(), spec.valueBytes(), spec.seed());
    return switch (spec.workload()) {
      case WATCH -> new WatchLoad(spec, channels, keys, stats);
      case LOCK, LEASE -> new LeaseLoad(spec, channels);
      case LOCK_RECIPE -> new LockRecipeLoad(spec, channels);
      case PUT, RANGE, RANGE_SERIALIZABLE, TXN_CAS -> new KvLoad(spec, channels, keys);
    };
  }
}
