package io.synod.kv;

import io.synod.common.Bytes;
import java.nio.ByteBuffer;

/**
 * Reads what {@link ByteWriter} wrote. Every read is bounds-checked; anything malformed throws
 * {@link KvCodecException}. Single-use; not thread-safe.
 */
final class ByteReader {
  private final ByteBuffer in;

  ByteReader(Bytes data) {
    this.in = data.asReadOnlyBuffer();
  }

  /** Reads only the first {@code length} bytes of {@code data}. */
  ByteReader(Bytes data, int length) {
    this.in = data.asReadOnlyBuffer();
    in.limit(length);
  }

  boolean hasRemaining() {
    return in.hasRemaining();
  }

  int remaining() {
    return in.remaining();
  }

  int readByte() {
    if (!in.hasRemaining()) {
      throw new KvCodecException("truncated: expected a byte at offset " + in.position());
    }
    return in.get() & 0xFF;
  }

  boolean readBoolean() {
    int b = readByte();
    if (b > 1) {
      throw new KvCodecException("bad boolean " + b + " at offset " + (in.position() - 1));
    }
    return b == 1;
  }

  long readUnsigned() {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = readByte();
      if (shift == 63 && (b & 0xFE) != 0) {
        throw new KvCodecException("varint overflows 64 bits at offset " + in.position());
      }
      v |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
    }
    throw new KvCodecException("varint too long at offset " + in.position());
  }

  long readSigned() {
    long z = readUnsigned();
    return (z >>> 1) ^ -(z & 1);
  }

  /** A count or length that must fit the remaining input ({@code minBytesEach} bytes per item). */
  int readCount(int minBytesEach) {
    long n = readUnsigned();
    if (n < 0 || n > Integer.MAX_VALUE || n * Math.max(1, minBytesEach) > in.remaining()) {
      throw new KvCodecException("count " + n + " exceeds the input at offset " + in.position());
    }
    return (int) n;
  }

  Bytes readBytes() {
    int n = readCount(1);
    if (n == 0) {
      return Bytes.EMPTY;
    }
    byte[] out = new byte[n];
    in.get(out);
    return Bytes.wrapOwned(out);
  }

  long readFixedLong() {
    if (in.remaining() < 8) {
      throw new KvCodecException("truncated: expected 8 bytes at offset " + in.position());
    }
    return in.getLong();
  }

  <E extends Enum<E>> E readEnum(E[] values) {
    int i = readByte();
    if (i >= values.length) {
      throw new KvCodecException("bad enum ordinal " + i + " at offset " + (in.position() - 1));
    }
    return values[i];
  }

  void expectEnd() {
    if (in.hasRemaining()) {
      throw new KvCodecException(in.remaining() + " trailing bytes at offset " + in.position());
    }
  }
}
