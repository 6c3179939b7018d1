package io.synod.storage;

import java.nio.file.Path;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * A {@link Disk} that passes everything to another and reports the start and end of every fsync of
 * the files {@code timed} selects, read from an injected nanosecond clock (this module reads no
 * clock of its own). Benchmarks and metrics use it to see how long the disk spends in fsync. The
 * listener runs on the thread that ran the fsync and must be quick and never block.
 *
 * <p>Thread-safe if the listener is.
 */
public final class ForceTimingDisk extends ForwardingDisk {
  /** Told of each timed fsync. */
  @FunctionalInterface
  public interface Listener {
    void forced(long startNanos, long endNanos);
  }

  private final Predicate<Path> timed;
  private final LongSupplier nanoClock;
  private final Listener listener;

  public ForceTimingDisk(
      Disk delegate, Predicate<Path> timed, LongSupplier nanoClock, Listener listener) {
    super(delegate);
    this.timed = timed;
    this.nanoClock = nanoClock;
    this.listener = listener;
  }

  /** Selects the files of write-ahead log segments ({@code *.wal}). */
  public static boolean isWalSegment(Path path) {
    Path name = path.getFileName();
    return name != null && name.toString().endsWith(SegmentName.SUFFIX);
  }

  @Override
  public DiskFile open(Path path, boolean create) {
    DiskFile file = delegate.open(path, create);
    return timed.test(path) ? new TimedFile(file) : file;
  }

  private final class TimedFile extends ForwardingDiskFile {
    TimedFile(DiskFile file) {
      super(file);
    }

    @Override
    public void force() {
      long start = nanoClock.getAsLong();
      delegate.force();
      listener.forced(start, nanoClock.getAsLong());
    }
  }
}
