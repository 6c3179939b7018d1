package io.synod.common;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * An immutable string of bytes: keys, values, Raft entry payloads and snapshot chunks.
 *
 * <p>Instances are safe to share between threads. The backing array is never exposed: {@link
 * #copyOf(byte[])} copies in and {@link #toByteArray()} copies out, so a caller cannot change a
 * {@code Bytes} after the fact. Ordering is unsigned lexicographic, the order etcd uses for keys.
 */
public final class Bytes implements Comparable<Bytes> {
  /** The empty byte string. */
  public static final Bytes EMPTY = new Bytes(new byte[0]);

  private final byte[] data;
  private int hash;

  private Bytes(byte[] data) {
    this.data = data;
  }

  /** Returns a byte string holding a copy of {@code data}. */
  public static Bytes copyOf(byte[] data) {
    return data.length == 0 ? EMPTY : new Bytes(data.clone());
  }

  /**
   * Returns a byte string holding a copy of {@code length} bytes of {@code data} from {@code
   * offset}.
   */
  public static Bytes copyOf(byte[] data, int offset, int length) {
    Assert.that(offset >= 0 && length >= 0 && offset + length <= data.length, "slice out of range");
    return length == 0 ? EMPTY : new Bytes(Arrays.copyOfRange(data, offset, offset + length));
  }

  /**
   * Returns a byte string that takes ownership of {@code data}. The caller must never change the
   * array afterwards; use this only for arrays the caller has just built.
   */
  public static Bytes wrapOwned(byte[] data) {
    return data.length == 0 ? EMPTY : new Bytes(data);
  }

  /** Returns the UTF-8 encoding of {@code text}. */
  public static Bytes utf8(String text) {
    return wrapOwned(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Returns the remaining bytes of {@code buffer}, copied; the buffer's position is unchanged. */
  public static Bytes copyOf(ByteBuffer buffer) {
    byte[] out = new byte[buffer.remaining()];
    buffer.duplicate().get(out);
    return wrapOwned(out);
  }

  public int size() {
    return data.length;
  }

  public boolean isEmpty() {
    return data.length == 0;
  }

  public byte byteAt(int index) {
    return data[index];
  }

  /** Returns a copy of the bytes. */
  public byte[] toByteArray() {
    return data.clone();
  }

  /** Copies the bytes into {@code target} at {@code offset}. */
  public void copyTo(byte[] target, int offset) {
    System.arraycopy(data, 0, target, offset, data.length);
  }

  /** Writes the bytes to {@code buffer}. */
  public void writeTo(ByteBuffer buffer) {
    buffer.put(data);
  }

  /** Returns a read-only view of the bytes. */
  public ByteBuffer asReadOnlyBuffer() {
    return ByteBuffer.wrap(data).asReadOnlyBuffer();
  }

  /** Returns the bytes from {@code from} (inclusive) to {@code to} (exclusive). */
  public Bytes slice(int from, int to) {
    Assert.that(0 <= from && from <= to && to <= data.length, "slice out of range");
    if (from == 0 && to == data.length) {
      return this;
    }
    return copyOf(data, from, to - from);
  }

  /** Returns this byte string followed by {@code other}. */
  public Bytes concat(Bytes other) {
    if (other.isEmpty()) {
      return this;
    }
    if (isEmpty()) {
      return other;
    }
    byte[] out = Arrays.copyOf(data, data.length + other.data.length);
    System.arraycopy(other.data, 0, out, data.length, other.data.length);
    return new Bytes(out);
  }

  public boolean startsWith(Bytes prefix) {
    return prefix.data.length <= data.length
        && Arrays.equals(data, 0, prefix.data.length, prefix.data, 0, prefix.data.length);
  }

  /** Decodes the bytes as UTF-8, replacing malformed input. */
  public String toStringUtf8() {
    return new String(data, StandardCharsets.UTF_8);
  }

  public String toHex() {
    return HexFormat.of().formatHex(data);
  }

  @Override
  public int compareTo(Bytes other) {
    return Arrays.compareUnsigned(data, other.data);
  }

  @Override
  public boolean equals(Object o) {
    return this == o || (o instanceof Bytes other && Arrays.equals(data, other.data));
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0 && data.length > 0) {
      h = Arrays.hashCode(data);
      hash = h;
    }
    return h;
  }

  /** A short, printable rendering: UTF-8 if the bytes are printable ASCII, else hex. */
  @Override
  public String toString() {
    for (byte b : data) {
      if (b < 0x20 || b > 0x7e) {
        return "0x" + toHex();
      }
    }
    return new String(data, StandardCharsets.US_ASCII);
  }
}
