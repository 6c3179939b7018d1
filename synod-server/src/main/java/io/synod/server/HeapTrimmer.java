package io.synod.server;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Gives the heap a burst of work grew back to the operating system once the member goes idle.
 *
 * <p>G1 grows its heap under write load (with the young generation capped, it keeps expanding the
 * old one to bring its collection overhead down) and gives memory back only at the end of a
 * concurrent marking cycle. Without one, a member that took a burst of writes kept a heap several
 * times its live data for as long as it stayed idle. G1's periodic collection ({@code
 * -XX:G1PeriodicGCInterval}) starts such a cycle, but again every interval for as long as the
 * member is idle, each cycle marking the whole live heap (about half a second of a core for a
 * million keys). This asks for one cycle per idle spell instead: when the applied index has not
 * moved for {@link Policy#IDLE} after it moved, and the heap holds at least a quarter (and at least
 * 64 MiB) more than it uses.
 *
 * <p>It asks through {@code System.gc()}, so it runs only where that starts a concurrent cycle: G1
 * with {@code -XX:+ExplicitGCInvokesConcurrent} ({@code bin/synod} sets it). In any other JVM (an
 * application embedding a member, a test) it does nothing, because there {@code System.gc()} would
 * be a stop-the-world collection.
 */
final class HeapTrimmer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(HeapTrimmer.class.getName());
  private static final Duration CHECK_EVERY = Duration.ofMillis(500);

  /**
   * When to trim: decided from samples of (time, activity, heap committed, heap used). Pure, so
   * tests drive it with their own clock.
   */
  static final class Policy {
    static final Duration IDLE = Duration.ofSeconds(2);
    static final long SLACK_BYTES_MIN = 64L << 20;
    static final int SLACK_PERCENT_MIN = 25;

    private final long idleNanos;
    private boolean seen;
    private long lastActivity;
    private long lastChangeNanos;
    private boolean busySinceDecision;

    Policy(Duration idle) {
      this.idleNanos = idle.toNanos();
    }

    /** Whether to trim now: once per idle spell that follows activity, if the heap has slack. */
    boolean observe(long nowNanos, long activity, long committedBytes, long usedBytes) {
      if (!seen || activity != lastActivity) {
        busySinceDecision = seen; // the first sample only sets the baseline
        seen = true;
        lastActivity = activity;
        lastChangeNanos = nowNanos;
        return false;
      }
      if (!busySinceDecision || nowNanos - lastChangeNanos < idleNanos) {
        return false;
      }
      busySinceDecision = false;
      long slack = committedBytes - usedBytes;
      return slack >= SLACK_BYTES_MIN && slack * 100 >= committedBytes * SLACK_PERCENT_MIN;
    }
  }

  private final ScheduledExecutorService timer;
  private final AtomicLong trims = new AtomicLong();

  private HeapTrimmer(ScheduledExecutorService timer) {
    this.timer = timer;
  }

  /**
   * Starts watching {@code activity} (a counter that moves while the member works: its applied
   * index); does nothing in a JVM where {@code System.gc()} is not a concurrent G1 cycle.
   */
  static HeapTrimmer start(LongSupplier activity) {
    if (!concurrentExplicitGc()) {
      return new HeapTrimmer(null);
    }
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            new DefaultThreadFactory("synod-heap-trim", true));
    HeapTrimmer trimmer = new HeapTrimmer(timer);
    Policy policy = new Policy(Policy.IDLE);
    timer.scheduleWithFixedDelay(
        () -> trimmer.check(policy, activity),
        CHECK_EVERY.toMillis(),
        CHECK_EVERY.toMillis(),
        TimeUnit.MILLISECONDS);
    return trimmer;
  }

  /** Idle spells that ended with the heap handed back. */
  long trims() {
    return trims.get();
  }

  private void check(Policy policy, LongSupplier activity) {
    try {
      MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
      if (policy.observe(
          System.nanoTime(), activity.getAsLong(), heap.getCommitted(), heap.getUsed())) {
        trims.incrementAndGet();
        LOG.fine(
            () ->
                "idle: returning the heap's slack (committed "
                    + (heap.getCommitted() >> 20)
                    + " MiB, used "
                    + (heap.getUsed() >> 20)
                    + " MiB)");
        System.gc(); // a concurrent cycle (see the class comment); its end uncommits the slack
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "heap trim check failed", e);
    }
  }

  private static boolean concurrentExplicitGc() {
    try {
      HotSpotDiagnosticMXBean vm =
          ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      return vm != null
          && "true".equals(vm.getVMOption("UseG1GC").getValue())
          && "true".equals(vm.getVMOption("ExplicitGCInvokesConcurrent").getValue())
          && !"true".equals(vm.getVMOption("DisableExplicitGC").getValue());
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      return false; // not HotSpot, or an option it does not know
    }
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
