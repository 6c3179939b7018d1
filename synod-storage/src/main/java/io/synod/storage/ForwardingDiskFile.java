package io.synod.storage;

import java.nio.ByteBuffer;

/** A {@link DiskFile} that hands every call to another one; see {@link ForwardingDisk}. */
public class ForwardingDiskFile implements DiskFile {
  protected final DiskFile delegate;

  public ForwardingDiskFile(DiskFile delegate) {
    this.delegate = delegate;
  }

  @Override
  public int read(ByteBuffer dst, long position) {
    return delegate.read(dst, position);
  }

  @Override
  public void write(ByteBuffer src, long position) {
    delegate.write(src, position);
  }

  @Override
  public void force() {
    delegate.force();
  }

  @Override
  public long size() {
    return delegate.size();
  }

  @Override
  public void truncate(long size) {
    delegate.truncate(size);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
