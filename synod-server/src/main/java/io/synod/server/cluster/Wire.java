package io.synod.server.cluster;

import io.synod.common.Bytes;
import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The small binary encoding of the cluster records: fixed-width big-endian numbers, strings and
 * byte strings prefixed by their length. Deterministic (equal values, equal bytes). Reading is
 * total: anything but a well-formed encoding throws {@link IllegalArgumentException}. Shared by the
 * cluster records and the etcd layer's own wire forms (forwarded membership requests).
 */
public final class Wire {
  /** The longest string or byte string accepted, and the most items in a list. */
  public static final int LENGTH_MAX = 1 << 24;

  private Wire() {}

  /** Appends values; not thread-safe. */
  public static final class Writer {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(64);

    public Writer() {}

    public Writer writeByte(int b) {
      out.write(b);
      return this;
    }

    public Writer writeLong(long v) {
      for (int shift = 56; shift >= 0; shift -= 8) {
        out.write((int) (v >>> shift));
      }
      return this;
    }

    public Writer writeInt(int v) {
      for (int shift = 24; shift >= 0; shift -= 8) {
        out.write(v >>> shift);
      }
      return this;
    }

    public Writer writeBoolean(boolean b) {
      return writeByte(b ? 1 : 0);
    }

    public Writer writeString(String s) {
      return writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    public Writer writeBytes(byte[] b) {
      writeInt(b.length);
      out.write(b, 0, b.length);
      return this;
    }

    public Writer writeBytes(Bytes b) {
      return writeBytes(b.toByteArray());
    }

    public Writer writeStrings(List<String> list) {
      writeInt(list.size());
      list.forEach(this::writeString);
      return this;
    }

    public Bytes toBytes() {
      return Bytes.wrapOwned(out.toByteArray());
    }
  }

  /** Reads values back; not thread-safe. */
  public static final class Reader {
    private final ByteBuffer in;

    public Reader(Bytes data) {
      this.in = data.asReadOnlyBuffer();
    }

    public int readByte() {
      try {
        return in.get() & 0xFF;
      } catch (BufferUnderflowException e) {
        throw new IllegalArgumentException("truncated", e);
      }
    }

    public long readLong() {
      try {
        return in.getLong();
      } catch (BufferUnderflowException e) {
        throw new IllegalArgumentException("truncated", e);
      }
    }

    public int readInt() {
      try {
        return in.getInt();
      } catch (BufferUnderflowException e) {
        throw new IllegalArgumentException("truncated", e);
      }
    }

    public boolean readBoolean() {
      int b = readByte();
      if (b > 1) {
        throw new IllegalArgumentException("bad boolean " + b);
      }
      return b == 1;
    }

    public int readLength() {
      int n = readInt();
      if (n < 0 || n > LENGTH_MAX || n > in.remaining()) {
        throw new IllegalArgumentException("bad length " + n);
      }
      return n;
    }

    public byte[] readBytes() {
      byte[] b = new byte[readLength()];
      in.get(b);
      return b;
    }

    public String readString() {
      try {
        return StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(readBytes()))
            .toString();
      } catch (CharacterCodingException e) {
        throw new IllegalArgumentException("malformed UTF-8", e);
      }
    }

    public List<String> readStrings() {
      int n = readInt();
      if (n < 0 || n > in.remaining() / 4) {
        throw new IllegalArgumentException("bad count " + n);
      }
      List<String> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(readString());
      }
      return List.copyOf(out);
    }

    /** A count of items that take at least {@code minBytesEach} bytes each. */
    public int readCount(int minBytesEach) {
      int n = readInt();
      if (n < 0 || (long) n * minBytesEach > in.remaining()) {
        throw new IllegalArgumentException("bad count " + n);
      }
      return n;
    }

    public Bytes rest() {
      byte[] b = new byte[in.remaining()];
      in.get(b);
      return Bytes.wrapOwned(b);
    }

    public void expectEnd() {
      if (in.hasRemaining()) {
        throw new IllegalArgumentException(in.remaining() + " trailing bytes");
      }
    }
  }
}
