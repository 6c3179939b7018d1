package io.synod.storage;

import java.nio.file.Path;
import java.util.List;

/**
 * A {@link Disk} that hands every call to another one; wrappers (fsync timing, benchmarks that skip
 * fsyncs, tests that log or fail operations) extend it and override only what they change.
 */
public abstract class ForwardingDisk implements Disk {
  protected final Disk delegate;

  protected ForwardingDisk(Disk delegate) {
    this.delegate = delegate;
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
    return delegate.open(path, create);
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
}
