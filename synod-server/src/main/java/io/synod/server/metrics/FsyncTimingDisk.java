package io.synod.server.metrics;

import io.synod.storage.Disk;
import io.synod.storage.DiskFile;
import io.synod.storage.SegmentName;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * A {@link Disk} that passes everything to another and reports how long each fsync of a write-ahead
 * log segment ({@code *.wal}) took, in nanoseconds, to a listener (etcd's {@code
 * etcd_disk_wal_fsync_duration_seconds}). Other files (snapshots, metadata) are not timed. The
 * listener runs on the thread that ran the fsync and must be quick and never block.
 *
 * <p>Thread-safe if the listener is.
 */
final class FsyncTimingDisk implements Disk {
  private final Disk delegate;
  private final LongConsumer walFsyncNanos;

  FsyncTimingDisk(Disk delegate, LongConsumer walFsyncNanos) {
    this.delegate = delegate;
    this.walFsyncNanos = walFsyncNanos;
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
    Path name = path.getFileName();
    return name != null && name.toString().endsWith(SegmentName.SUFFIX)
        ? new TimedFile(file)
        : file;
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
      walFsyncNanos.accept(System.nanoTime() - start);
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
