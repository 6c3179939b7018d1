package io.synod.bench;

import io.synod.storage.Disk;
import io.synod.storage.ForceTimingDisk;
import org.HdrHistogram.Histogram;

/**
 * Times every file fsync of a {@link Disk} (through {@link ForceTimingDisk}), so a benchmark can
 * tell the time the disk spends in fsync from the time the writer spends between fsyncs. The
 * write-ahead log runs one sync at a time, so the timing lock is never contended.
 *
 * <p>Thread-safe.
 */
final class TimedDisk {
  private final Disk disk;
  private final Object timing = new Object();
  private final Histogram forceNanos = new Histogram(3);
  private final Histogram gapNanos = new Histogram(3);
  private long forceNanosTotal;
  private long lastForceEndNanos;

  TimedDisk(Disk delegate) {
    this.disk = new ForceTimingDisk(delegate, path -> true, System::nanoTime, this::recordForce);
  }

  /** The disk to hand the writer: {@code delegate} with every file fsync timed. */
  Disk disk() {
    return disk;
  }

  /**
   * Fsync statistics since the last call, which starts a new window. A gap is the time from the end
   * of one fsync to the start of the next: the disk idles while the writer gets the next one going.
   */
  record ForceStats(
      long count,
      long totalNanos,
      long p50Nanos,
      long p99Nanos,
      long maxNanos,
      long gapP50Nanos,
      long gapP99Nanos,
      double gapMeanNanos) {}

  ForceStats takeForceStats() {
    synchronized (timing) {
      ForceStats s =
          new ForceStats(
              forceNanos.getTotalCount(),
              forceNanosTotal,
              forceNanos.getValueAtPercentile(50),
              forceNanos.getValueAtPercentile(99),
              forceNanos.getMaxValue(),
              gapNanos.getValueAtPercentile(50),
              gapNanos.getValueAtPercentile(99),
              gapNanos.getTotalCount() == 0 ? 0 : gapNanos.getMean());
      forceNanos.reset();
      gapNanos.reset();
      forceNanosTotal = 0;
      return s;
    }
  }

  private void recordForce(long startNanos, long endNanos) {
    synchronized (timing) {
      forceNanos.recordValue(endNanos - startNanos);
      forceNanosTotal += endNanos - startNanos;
      if (lastForceEndNanos != 0 && startNanos - lastForceEndNanos >= 0) {
        gapNanos.recordValue(startNanos - lastForceEndNanos);
      }
      lastForceEndNanos = endNanos;
    }
  }
}
