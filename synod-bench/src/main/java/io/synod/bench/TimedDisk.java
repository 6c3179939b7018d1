package io.synod.bench;

import io.synod.storage.Disk;
import io.synod.storage.DiskFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * A {@link Disk} that passes everything to another and times every file fsync, so a benchmark can
 * tell the time the disk spends in fsync from the time the writer spends between fsyncs. The
 * write-ahead log runs one sync at a time, so the timing lock is never contended.
 *
 * <p>Thread-safe.
 */
final class TimedDisk implements Disk {
  private final Disk delegate;
  private final Object timing = new Object();
  private final Histogram forceNanos = new Histogram(3);
  private final Histogram gapNanos = new Histogram(3);
  private long forceNanosTotal;
  private long lastForceEndNanos;

  TimedDisk(Disk delegate) {
    this.delegate = delegate;
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

  @Override
  public boolean exists(Path path) {
    return delegate.exists(path);
  }

  @Override
  public boolean isDirectory(Path path) {
    return delegate.isDirectory(path);
  }

  @Override
  public void createDirectories(Path dir) {
    delegate.createDirectories(dir);
  }

  @Override
  public List<String> list(Path dir) {
    return delegate.list(dir);
  }

  @Override
  public DiskFile open(Path path, boolean create) {
    return new TimedFile(delegate.open(path, create));
  }

  @Override
  public void rename(Path from, Path to) {
    delegate.rename(from, to);
  }

  @Override
  public void delete(Path path) {
    delegate.delete(path);
  }

  @Override
  public void syncDirectory(Path dir) {
    delegate.syncDirectory(dir);
  }

  @Override
  public AutoCloseable lock(Path path) {
    return delegate.lock(path);
  }

  private final class TimedFile implements DiskFile {
    private final DiskFile file;

    TimedFile(DiskFile file) {
      this.file = file;
    }

    @Override
    public int read(ByteBuffer dst, long position) {
      return file.read(dst, position);
    }

    @Override
    public void write(ByteBuffer src, long position) {
      file.write(src, position);
    }

    @Override
    public void force() {
      long start = System.nanoTime();
      file.force();
      recordForce(start, System.nanoTime());
    }

    @Override
    public long size() {
      return file.size();
    }

    @Override
    public void truncate(long size) {
      file.truncate(size);
    }

    @Override
    public void close() {
      file.close();
    }
  }
}
