package io.synod.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Drives one load run: sets the workload up, starts {@code clients} operation loops, lets them warm
 * up, measures a window, stops them and waits for the operations in flight. Runs on the caller's
 * thread; the operation loops run on the channels' network threads and on one timer thread (open-
 * loop pacing, back-off after an error).
 *
 * <p>Closed loop (no {@code --rate}): a client sends its next operation as soon as the previous one
 * is answered, so latency is service time and throughput is what {@code clients} in flight reach.
 * Open loop ({@code --rate R}): operation {@code n} is due at {@code start + n/R}; a client takes
 * the next due operation, waits for its time if early, and the latency counts from that due time,
 * so a stalled target is charged for the operations it held up (coordinated omission corrected).
 */
final class LoadRun {
  static final long RPC_DEADLINE_SECONDS = 10;
  private static final long ERROR_BACKOFF_MILLIS = 20;
  private static final long SETUP_SECONDS_MAX = 600;
  private static final long DRAIN_SECONDS_MAX = RPC_DEADLINE_SECONDS + 5;
  private static final long POLL_MILLIS = 100;

  /** Hooks at the measured window's edges, for measurements outside the process (/proc). */
  interface Window {
    Window NONE = new Window() {};

    default void started() {}

    default void ended() {}
  }

  private final LoadSpec spec;
  private final LoadWorkload workload;
  private final LoadStats stats;
  private final ScheduledExecutorService timer;
  private final AtomicLong tickets = new AtomicLong();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final double periodNanos;
  private volatile boolean stopping;
  private long startNanos;

  private LoadRun(
      LoadSpec spec, LoadWorkload workload, LoadStats stats, ScheduledExecutorService timer) {
    this.spec = spec;
    this.workload = workload;
    this.stats = stats;
    this.timer = timer;
    this.periodNanos = spec.openLoop() ? 1e9 / spec.ratePerSecond() : 0;
  }

  /** Runs {@code spec} against the cluster at {@code endpoints}; {@code target} names it. */
  static LoadResult run(LoadSpec spec, String target, List<String> endpoints, Window window)
      throws InterruptedException {
    LoadStats stats = new LoadStats();
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "load-timer");
              t.setDaemon(true);
              return t;
            });
    try (EtcdChannels channels = EtcdChannels.open(endpoints, spec.conns());
        LoadWorkload workload = LoadWorkload.create(spec, channels, stats)) {
      try {
        workload.setUp(System.nanoTime() + TimeUnit.SECONDS.toNanos(SETUP_SECONDS_MAX));
      } catch (LoadWorkload.Unsupported e) {
        return LoadResult.unsupported(spec, target, endpoints, e.getMessage());
      }
      return new LoadRun(spec, workload, stats, timer).measure(target, endpoints, window);
    } finally {
      timer.shutdownNow();
    }
  }

  private LoadResult measure(String target, List<String> endpoints, Window window)
      throws InterruptedException {
    List<LoadWorkload.ClientOp> clients = new ArrayList<>();
    for (int i = 0; i < spec.clients(); i++) {
      clients.add(workload.client(i));
    }
    startNanos = System.nanoTime();
    for (LoadWorkload.ClientOp c : clients) {
      issue(c);
    }
    try {
      sleepUnlessUnsupported(TimeUnit.SECONDS.toNanos(spec.warmupSeconds()));
      stats.startWindow();
      window.started();
      CpuMeter cpu = CpuMeter.start();
      long windowStart = System.nanoTime();
      sleepUnlessUnsupported(TimeUnit.SECONDS.toNanos(spec.seconds()));
      LoadStats.Window w = stats.takeWindow();
      double seconds = (System.nanoTime() - windowStart) / 1e9;
      Map<String, Long> figures = new LinkedHashMap<>();
      workload.addFigures(figures);
      window.ended();
      CpuMeter.Usage usage = cpu.stop();
      if (!stats.unsupported().isEmpty()) {
        return LoadResult.unsupported(spec, target, endpoints, stats.unsupported());
      }
      LoadResult.Latency latency = LoadResult.Latency.of(w.primary());
      LoadResult.Latency put =
          workload.recordsOwnLatency()
              ? LoadResult.Latency.of(w.secondary())
              : LoadResult.Latency.NONE;
      return new LoadResult(
          spec,
          target,
          endpoints,
          "",
          seconds,
          latency.count(),
          w.errors(),
          w.retries(),
          latency,
          put,
          w.errorCodes(),
          w.firstError(),
          figures,
          usage);
    } finally {
      stopping = true;
      awaitDrained();
    }
  }

  private void sleepUnlessUnsupported(long nanos) throws InterruptedException {
    long deadline = System.nanoTime() + nanos;
    for (long left = nanos; left > 0; left = deadline - System.nanoTime()) {
      if (!stats.unsupported().isEmpty()) {
        return;
      }
      TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS)));
    }
  }

  private void awaitDrained() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DRAIN_SECONDS_MAX);
    while (inFlight.get() > 0 && System.nanoTime() - deadline < 0) {
      TimeUnit.MILLISECONDS.sleep(10);
    }
  }

  /** Starts the client's next operation now, or at its due time in an open loop. */
  private void issue(LoadWorkload.ClientOp client) {
    if (stopping || !stats.unsupported().isEmpty()) {
      return;
    }
    if (!spec.openLoop()) {
      send(client, System.nanoTime());
      return;
    }
    long due = startNanos + (long) (tickets.getAndIncrement() * periodNanos);
    long early = due - System.nanoTime();
    if (early <= 0) {
      send(client, due);
      return;
    }
    try {
      timer.schedule(() -> send(client, due), early, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // The run is over.
    }
  }

  private void send(LoadWorkload.ClientOp client, long start) {
    if (stopping) {
      return;
    }
    inFlight.incrementAndGet();
    CompletableFuture<Integer> op;
    try {
      op = client.next(start);
    } catch (RuntimeException e) {
      op = CompletableFuture.failedFuture(e);
    }
    op.whenComplete(
        (retries, error) -> {
          long end = System.nanoTime();
          inFlight.decrementAndGet();
          if (error == null) {
            if (workload.recordsOwnLatency()) {
              stats.recordSecondary(end - start);
            } else {
              stats.recordPrimary(end - start);
            }
            stats.retried(retries);
            issue(client);
            return;
          }
          stats.error(error);
          // Never spin on a failing target; also keeps the stack flat if the failure was
          // immediate.
          try {
            timer.schedule(() -> issue(client), ERROR_BACKOFF_MILLIS, TimeUnit.MILLISECONDS);
          } catch (RejectedExecutionException e) {
            // The run is over.
          }
        });
  }
}
