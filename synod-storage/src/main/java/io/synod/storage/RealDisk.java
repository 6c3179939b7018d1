package io.synod.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The real file system, through NIO. {@link #READ_ONLY} is a view for tools that must never change
 * a data directory: it opens files for reading only and refuses every operation that would write.
 */
public final class RealDisk implements Disk {
  public static final RealDisk INSTANCE = new RealDisk(false);

  /** Reads only: opens files read-only, and every write, rename, delete, sync or lock throws. */
  public static final RealDisk READ_ONLY = new RealDisk(true);

  private final boolean readOnly;

  private RealDisk(boolean readOnly) {
    this.readOnly = readOnly;
  }

  private void refuseIfReadOnly(String operation, Path path) {
    if (readOnly) {
      throw new StorageException("read-only view: refusing to " + operation + " " + path);
    }
  }

  @Override
  public boolean exists(Path path) {
    return Files.exists(path);
  }

  @Override
  public boolean isDirectory(Path path) {
    return Files.isDirectory(path);
  }

  @Override
  public void createDirectories(Path dir) {
    refuseIfReadOnly("create", dir);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new StorageException("cannot create directory " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public List<String> list(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      List<String> names = new ArrayList<>();
      s.forEach(p -> names.add(p.getFileName().toString()));
      names.sort(null);
      return names;
    } catch (IOException | UncheckedIOException e) {
      throw new StorageException("cannot list directory " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public DiskFile open(Path path, boolean create) {
    if (create) {
      refuseIfReadOnly("create", path);
    }
    try {
      FileChannel ch =
          readOnly
              ? FileChannel.open(path, StandardOpenOption.READ)
              : create
                  ? FileChannel.open(
                      path,
                      StandardOpenOption.READ,
                      StandardOpenOption.WRITE,
                      StandardOpenOption.CREATE)
                  : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
      return new RealFile(path, ch);
    } catch (NoSuchFileException e) {
      throw new StorageException("no such file: " + path, e);
    } catch (IOException e) {
      throw new StorageException("cannot open " + path + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void rename(Path from, Path to) {
    refuseIfReadOnly("rename", from);
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new StorageException("cannot rename " + from + " to " + to + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void delete(Path path) {
    refuseIfReadOnly("delete", path);
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      throw new StorageException("cannot delete " + path + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void syncDirectory(Path dir) {
    refuseIfReadOnly("sync", dir);
    // On Linux a directory opened read-only can be fsynced, which makes its entries durable.
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      throw new StorageException("cannot sync directory " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public AutoCloseable lock(Path path) {
    refuseIfReadOnly("lock", path);
    try {
      FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        ch.close();
        throw new StorageException(
            "data directory is in use by another process (lock held on " + path + ")");
      }
      FileLock held = lock;
      return () -> {
        held.release();
        ch.close();
      };
    } catch (IOException e) {
      throw new StorageException("cannot lock " + path + ": " + e.getMessage(), e);
    }
  }

  /** An open file channel. */
  private record RealFile(Path path, FileChannel channel) implements DiskFile {
    @Override
    public int read(ByteBuffer dst, long position) {
      int total = 0;
      try {
        while (dst.hasRemaining()) {
          int n = channel.read(dst, position + total);
          if (n < 0) {
            break;
          }
          total += n;
        }
        return total;
      } catch (IOException e) {
        throw new StorageException("cannot read " + path + ": " + e.getMessage(), e);
      }
    }

    @Override
    public void write(ByteBuffer src, long position) {
      try {
        long at = position;
        while (src.hasRemaining()) {
          at += channel.write(src, at);
        }
      } catch (IOException e) {
        throw new StorageException("cannot write " + path + ": " + e.getMessage(), e);
      } catch (NonWritableChannelException e) {
        throw new StorageException("cannot write " + path + ": opened read-only", e);
      }
    }

    @Override
    public void force() {
      try {
        channel.force(false);
      } catch (IOException e) {
        throw new StorageException("fsync failed on " + path + ": " + e.getMessage(), e);
      }
    }

    @Override
    public long size() {
      try {
        return channel.size();
      } catch (IOException e) {
        throw new StorageException("cannot stat " + path + ": " + e.getMessage(), e);
      }
    }

    @Override
    public void truncate(long size) {
      try {
        long current = channel.size();
        if (size < current) {
          channel.truncate(size);
        } else if (size > current) {
          // Extend with real zeros (not a hole), so later writes do not allocate blocks.
          ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(1 << 20, size - current));
          long at = current;
          while (at < size) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), size - at));
            at += channel.write(zeros, at);
          }
        }
      } catch (IOException e) {
        throw new StorageException("cannot resize " + path + ": " + e.getMessage(), e);
      } catch (NonWritableChannelException e) {
        throw new StorageException("cannot resize " + path + ": opened read-only", e);
      }
    }

    @Override
    public void close() {
      try {
        channel.close();
      } catch (IOException e) {
        throw new StorageException("cannot close " + path + ": " + e.getMessage(), e);
      }
    }
  }
}
