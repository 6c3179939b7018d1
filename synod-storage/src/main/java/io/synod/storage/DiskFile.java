package io.synod.storage;

import java.nio.ByteBuffer;

/**
 * An open file. Positional reads and writes may run concurrently with each other and with {@link
 * #force()}; a force makes durable at least everything written before it started.
 */
public interface DiskFile extends AutoCloseable {

  /**
   * Reads into {@code dst} from {@code position} until it is full or the file ends; returns bytes
   * read.
   */
  int read(ByteBuffer dst, long position);

  /** Writes all of {@code src} at {@code position}. */
  void write(ByteBuffer src, long position);

  /** Makes every write made before this call durable (fdatasync). */
  void force();

  long size();

  /** Cuts or extends the file to {@code size} bytes (extending with zeros). */
  void truncate(long size);

  @Override
  void close();
}
