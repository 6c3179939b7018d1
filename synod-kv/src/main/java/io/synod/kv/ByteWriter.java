package io.synod.kv;

import io.synod.common.Bytes;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * A growable byte buffer with the primitives of Synod's binary formats: unsigned LEB128 varints for
 * lengths and counts, zigzag varints for signed numbers, length-prefixed byte strings. Single-use;
 * not thread-safe.
 */
final class ByteWriter {
  private byte[] buf;
  private int size;

  ByteWriter(int initialCapacity) {
    buf = new byte[Math.max(16, initialCapacity)];
  }

  int size() {
    return size;
  }

  /** The buffer's length now (for tests: a writer sized to its content never grows). */
  int capacity() {
    return buf.length;
  }

  ByteWriter writeByte(int b) {
    ensure(1);
    buf[size++] = (byte) b;
    return this;
  }

  ByteWriter writeBoolean(boolean b) {
    return writeByte(b ? 1 : 0);
  }

  /** An unsigned varint; {@code v} must not be negative. */
  ByteWriter writeUnsigned(long v) {
    if (buf.length - size < 10) {
      ensure(unsignedSize(v)); // exactly: a buffer sized to its content must not grow at its end
    }
    while ((v & ~0x7FL) != 0) {
      buf[size++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[size++] = (byte) v;
    return this;
  }

  /** A signed number, zigzag-encoded so small magnitudes take few bytes. */
  ByteWriter writeSigned(long v) {
    long z = (v << 1) ^ (v >> 63);
    if (buf.length - size < 10) {
      ensure(unsignedSize(z));
    }
    while ((z & ~0x7FL) != 0) {
      buf[size++] = (byte) ((z & 0x7F) | 0x80);
      z >>>= 7;
    }
    buf[size++] = (byte) z;
    return this;
  }

  ByteWriter writeBytes(Bytes b) {
    writeUnsigned(b.size());
    ensure(b.size());
    b.copyTo(buf, size);
    size += b.size();
    return this;
  }

  /** {@code b} as it is, without a length. */
  ByteWriter writeRaw(Bytes b) {
    ensure(b.size());
    b.copyTo(buf, size);
    size += b.size();
    return this;
  }

  /** The bytes {@link #writeUnsigned} takes for {@code v}. */
  static int unsignedSize(long v) {
    int n = 1;
    while ((v & ~0x7FL) != 0) {
      v >>>= 7;
      n++;
    }
    return n;
  }

  /** The bytes {@link #writeSigned} takes for {@code v}. */
  static int signedSize(long v) {
    return unsignedSize((v << 1) ^ (v >> 63));
  }

  /** The bytes {@link #writeBytes} takes for {@code b}. */
  static long bytesSize(Bytes b) {
    return unsignedSize(b.size()) + (long) b.size();
  }

  ByteWriter writeFixedLong(long v) {
    ensure(8);
    for (int i = 7; i >= 0; i--) {
      buf[size++] = (byte) (v >>> (8 * i));
    }
    return this;
  }

  /** CRC32C of everything written so far. */
  long crc32c() {
    return crc32c(0);
  }

  /** CRC32C of what was written from offset {@code from} on. */
  long crc32c(int from) {
    CRC32C crc = new CRC32C();
    crc.update(buf, from, size - from);
    return crc.getValue();
  }

  /** Feeds everything written so far to {@code crc} and empties the buffer. */
  void drainTo(CRC32C crc) {
    crc.update(buf, 0, size);
    size = 0;
  }

  Bytes toBytes() {
    return Bytes.wrapOwned(size == buf.length ? buf : Arrays.copyOf(buf, size));
  }

  private void ensure(int more) {
    if (size + more > buf.length) {
      long wanted = Math.max((long) buf.length * 2, (long) size + more);
      if (wanted > Integer.MAX_VALUE - 8) {
        throw new IllegalStateException("encoding larger than 2 GiB");
      }
      buf = Arrays.copyOf(buf, (int) wanted);
    }
  }
}
