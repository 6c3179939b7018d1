package io.synod.storage;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
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
public final class ForceTimingDisk implements Disk {
  /** Told of each timed fsync. */
  @FunctionalInterface
  public interface Listener {
    void forced(long startNanos, long endNanos);
  }

  private final Disk delegate;
  private final Predicate<Path> timed;
  private final LongSupplier nanoClock;
  private final Listener listener;

  public ForceTimingDisk(
      Disk delegate, Predicate<Path> timed, LongSupplier nanoClock, Listener listener) {
    this.delegate = delegate;
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
    DiskFile file = delegate.open(path, create);
    return timed.test(path) ? new TimedFile(file) : file;
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
      long start = nanoClock.getAsLong();
      file.force();
      listener.forced(start, nanoClock.getAsLong());
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
