package io.synod.storage;

import io.synod.common.Bytes;
import io.synod.raft.Entry;
import io.synod.raft.EntryType;
import io.synod.raft.HardState;
import io.synod.storage.WalRecord.CompactRecord;
import io.synod.storage.WalRecord.EntryRecord;
import io.synod.storage.WalRecord.HardStateRecord;
import io.synod.storage.WalRecord.SegmentHeader;
import io.synod.storage.WalRecord.SnapshotRecord;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The on-disk form of a {@link WalRecord}:
 *
 * <pre>
 *   0      4        8      9                      9+length
 *   ┌──────┬────────┬──────┬─────────────────────┬────────┐
 *   │ crc  │ length │ type │ payload (length B)  │ 0xA5   │   crc = CRC32C(length, type, payload)
 *   └──────┴────────┴──────┴─────────────────────┴────────┘
 * </pre>
 *
 * All integers are big-endian. Nine zero bytes (crc 0, length 0, type 0) mark the end of the
 * written part of a segment: segments are preallocated with zeros and no real record is all zero.
 * The non-zero last byte tells a torn record from a damaged one: a record cut short by a crash ends
 * in the zeros it was written over, a whole record whose bits flipped does not. Payloads:
 * SEGMENT_HEADER = magic, version, sequence, first index; ENTRY = group, term, index, entry type,
 * data; HARD_STATE = group, term, vote, commit; SNAPSHOT = group, index, term, installed.
 */
public final class WalCodec {
  public static final int HEADER_BYTES = 9;

  /** The trailer byte that ends every record. */
  static final byte TRAILER = (byte) 0xA5;

  /** The largest payload a record may have; a longer length field is damage, not a record. */
  public static final int PAYLOAD_BYTES_MAX = 64 << 20;

  static final byte TYPE_SEGMENT_HEADER = 1;
  static final byte TYPE_ENTRY = 2;
  static final byte TYPE_HARD_STATE = 3;
  static final byte TYPE_SNAPSHOT = 4;
  static final byte TYPE_COMPACT = 5;

  private static final int MAGIC = 0x53594E57; // "SYNW"
  private static final short VERSION = 1;

  private WalCodec() {}

  /** The bytes {@code record} takes on disk. */
  public static int encodedSize(WalRecord record) {
    return HEADER_BYTES + payloadSize(record) + 1;
  }

  private static int payloadSize(WalRecord record) {
    if (record instanceof SegmentHeader) {
      return 4 + 2 + 8 + 8;
    } else if (record instanceof EntryRecord e) {
      return 8 + 8 + 8 + 1 + e.entry().data().size();
    } else if (record instanceof HardStateRecord) {
      return 8 + 8 + 8 + 8;
    } else if (record instanceof CompactRecord) {
      return 8 + 8 + 8;
    } else {
      return 8 + 8 + 8 + 1;
    }
  }

  /** Appends the encoded record to {@code out}, which must have room for it. */
  public static void encode(WalRecord record, ByteBuffer out) {
    int start = out.position();
    int payload = payloadSize(record);
    if (payload > PAYLOAD_BYTES_MAX) {
      throw new IllegalArgumentException(
          "record of " + payload + " bytes exceeds the limit of " + PAYLOAD_BYTES_MAX);
    }
    out.putInt(0).putInt(payload);
    if (record instanceof SegmentHeader h) {
      out.put(TYPE_SEGMENT_HEADER).putInt(MAGIC).putShort(VERSION);
      out.putLong(h.sequence()).putLong(h.firstIndex());
    } else if (record instanceof EntryRecord e) {
      Entry entry = e.entry();
      out.put(TYPE_ENTRY).putLong(e.groupId()).putLong(entry.term()).putLong(entry.index());
      out.put((byte) entry.type().ordinal());
      entry.data().writeTo(out);
    } else if (record instanceof HardStateRecord h) {
      HardState s = h.state();
      out.put(TYPE_HARD_STATE).putLong(h.groupId()).putLong(s.term()).putLong(s.vote());
      out.putLong(s.commit());
    } else if (record instanceof SnapshotRecord s) {
      out.put(TYPE_SNAPSHOT).putLong(s.groupId()).putLong(s.index()).putLong(s.term());
      out.put((byte) (s.installed() ? 1 : 0));
    } else if (record instanceof CompactRecord c) {
      out.put(TYPE_COMPACT).putLong(c.groupId()).putLong(c.index()).putLong(c.term());
    }
    CRC32C crc = new CRC32C();
    crc.update(out.duplicate().position(start + 4).limit(out.position()));
    out.putInt(start, (int) crc.getValue());
    out.put(TRAILER);
  }

  /** What {@link #decode} found at a position. */
  public sealed interface Decoded {
    /** A whole, valid record of {@code bytes} bytes. */
    record Valid(WalRecord record, int bytes) implements Decoded {}

    /** Nine zero bytes: nothing was written here. */
    record End() implements Decoded {}

    /** Not a valid record; {@code reason} says why. */
    record Invalid(String reason) implements Decoded {}
  }

  /**
   * Decodes the record at the position of {@code in} (the buffer holds the rest of the segment),
   * without moving it. Never throws on bad bytes: damage is reported as {@link Decoded.Invalid}.
   */
  public static Decoded decode(ByteBuffer in) {
    ByteBuffer b = in.duplicate();
    if (b.remaining() < HEADER_BYTES) {
      return allZero(b) ? new Decoded.End() : new Decoded.Invalid("record header cut short");
    }
    int start = b.position();
    int crc = b.getInt();
    int length = b.getInt();
    byte type = b.get();
    if (crc == 0 && length == 0 && type == 0) {
      return new Decoded.End();
    }
    if (length < 0 || length > PAYLOAD_BYTES_MAX) {
      return new Decoded.Invalid("impossible record length " + Integer.toUnsignedString(length));
    }
    if (b.remaining() < length + 1) {
      return new Decoded.Invalid("record of " + length + " bytes runs past the end of the file");
    }
    if (b.get(start + HEADER_BYTES + length) != TRAILER) {
      return new Decoded.Invalid("record does not end with its trailer byte");
    }
    CRC32C check = new CRC32C();
    check.update(in.duplicate().position(start + 4).limit(start + HEADER_BYTES + length));
    if ((int) check.getValue() != crc) {
      return new Decoded.Invalid("checksum mismatch");
    }
    ByteBuffer payload = b.slice().limit(length);
    try {
      WalRecord record = decodePayload(type, payload);
      if (payload.hasRemaining() && type != TYPE_ENTRY) {
        return new Decoded.Invalid("trailing bytes in a record of type " + type);
      }
      return new Decoded.Valid(record, HEADER_BYTES + length + 1);
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      return new Decoded.Invalid("malformed record of type " + type + ": " + e.getMessage());
    }
  }

  private static WalRecord decodePayload(byte type, ByteBuffer p) {
    switch (type) {
      case TYPE_SEGMENT_HEADER -> {
        int magic = p.getInt();
        short version = p.getShort();
        if (magic != MAGIC) {
          throw new IllegalArgumentException("bad segment magic " + Integer.toHexString(magic));
        }
        if (version != VERSION) {
          throw new IllegalArgumentException("unsupported segment version " + version);
        }
        return new SegmentHeader(p.getLong(), p.getLong());
      }
      case TYPE_ENTRY -> {
        long group = p.getLong();
        long term = p.getLong();
        long index = p.getLong();
        byte kind = p.get();
        if (kind < 0 || kind >= EntryType.values().length || term < 0 || index < 0) {
          throw new IllegalArgumentException("bad entry fields");
        }
        Bytes data = Bytes.copyOf(p);
        return new EntryRecord(group, new Entry(term, index, EntryType.values()[kind], data));
      }
      case TYPE_HARD_STATE -> {
        return new HardStateRecord(
            p.getLong(), new HardState(p.getLong(), p.getLong(), p.getLong()));
      }
      case TYPE_SNAPSHOT -> {
        long group = p.getLong();
        long index = p.getLong();
        long term = p.getLong();
        byte installed = p.get();
        if (installed != 0 && installed != 1) {
          throw new IllegalArgumentException("bad installed flag " + installed);
        }
        return new SnapshotRecord(group, index, term, installed == 1);
      }
      case TYPE_COMPACT -> {
        return new CompactRecord(p.getLong(), p.getLong(), p.getLong());
      }
      default -> throw new IllegalArgumentException("unknown record type " + type);
    }
  }

  static boolean allZero(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    while (d.hasRemaining()) {
      if (d.get() != 0) {
        return false;
      }
    }
    return true;
  }
}
