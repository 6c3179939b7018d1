package io.synod.storage;

import io.synod.storage.WalCodec.Decoded;
import io.synod.storage.WalRecord.SegmentHeader;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads the write-ahead log back at startup, in segment order, and decides what damage means.
 *
 * <p>A record that is not valid in the <em>last</em> segment is the torn tail a crash can leave if
 * it was only partly written: it runs past the end of the file, its trailer byte or one of the
 * 512-byte sectors it covers is still all zero (the preallocated content), and no valid record
 * follows it. The tail from that record on was never synced, so it is cut off (zeroed) and the cut
 * is reported. Only the last segment can hold unsynced records: the writer syncs a segment when it
 * seals it. A last segment without a whole header was created just before a crash: it is removed.
 * Anything else is corruption and the reader refuses with a {@link CorruptionException} that names
 * file and offset: a bad checksum in an earlier segment or followed by intact data, a record whose
 * length field is damaged, a segment header that does not match its name, a gap in the segment
 * sequence. Nothing is repaired silently.
 *
 * <p>One damage it cannot see: a flipped bit in the very last record of the log, if that record's
 * payload holds a whole zero sector, looks like a record written out of order with that sector
 * missing, and is cut off as torn.
 */
public final class WalReader {
  static final int SECTOR_BYTES = 512;

  /** What {@code readSegment} returns for a last segment without a whole header. */
  private static final long NO_HEADER = -1;

  /** What recovery found in the log. */
  public record Result(
      List<SegmentName> segments,
      long nextSequence,
      Path lastSegment,
      long lastSegmentEnd,
      List<String> notes) {}

  /** One record and where it was found, for tools. */
  public record Located(Path file, long offset, int bytes, WalRecord record) {}

  private WalReader() {}

  /** The segments in {@code walDir}, in sequence order, checked for gaps. */
  static List<SegmentName> segments(Disk disk, Path walDir) {
    List<SegmentName> out = new ArrayList<>();
    for (String name : disk.list(walDir)) {
      SegmentName.parse(name).ifPresent(out::add);
    }
    for (int i = 1; i < out.size(); i++) {
      if (out.get(i).sequence() != out.get(i - 1).sequence() + 1) {
        throw new CorruptionException(
            walDir.resolve(out.get(i).fileName()),
            0,
            "segment sequence jumps from "
                + out.get(i - 1).sequence()
                + " to "
                + out.get(i).sequence()
                + ": a segment is missing");
      }
    }
    return out;
  }

  /**
   * Reads every record, handing each to {@code sink} in log order, and cuts a torn tail off the
   * last segment if {@code repairTornTail}; otherwise a torn tail is only reported in the notes.
   */
  public static Result read(
      Disk disk, Path walDir, boolean repairTornTail, Consumer<Located> sink) {
    List<SegmentName> segments = new ArrayList<>(segments(disk, walDir));
    List<String> notes = new ArrayList<>();
    long lastEnd = 0;
    long previousEnd = 0;
    for (int i = 0; i < segments.size(); i++) {
      boolean last = i == segments.size() - 1;
      Path file = walDir.resolve(segments.get(i).fileName());
      previousEnd = lastEnd;
      lastEnd = readSegment(disk, file, segments.get(i), last, repairTornTail, notes, sink);
    }
    if (lastEnd == NO_HEADER) {
      SegmentName name = segments.remove(segments.size() - 1);
      Path file = walDir.resolve(name.fileName());
      if (segments.isEmpty() && name.sequence() != 1) {
        // Older segments are released only once a later preamble is durable: this one's was.
        throw new CorruptionException(file, 0, "the only segment has no header");
      }
      notes.add(removeEmptySegment(disk, walDir, file, repairTornTail));
      lastEnd = previousEnd;
    }
    long next = segments.isEmpty() ? 1 : segments.get(segments.size() - 1).sequence() + 1;
    Path lastFile =
        segments.isEmpty() ? null : walDir.resolve(segments.get(segments.size() - 1).fileName());
    return new Result(List.copyOf(segments), next, lastFile, lastEnd, List.copyOf(notes));
  }

  /**
   * Reads one segment; returns the offset just past its last valid record, or {@link #NO_HEADER} if
   * it is the last segment and holds no whole header (it was created just before a crash).
   */
  private static long readSegment(
      Disk disk,
      Path file,
      SegmentName name,
      boolean last,
      boolean repair,
      List<String> notes,
      Consumer<Located> sink) {
    ByteBuffer data;
    try (DiskFile f = disk.open(file, false)) {
      long size = f.size();
      if (size > Integer.MAX_VALUE) {
        throw new CorruptionException(file, 0, "segment of " + size + " bytes is too large");
      }
      data = ByteBuffer.allocate((int) size);
      f.read(data, 0);
      data.flip();
    }
    int offset = 0;
    boolean first = true;
    while (offset < data.limit()) {
      Decoded d = WalCodec.decode(data.duplicate().position(offset));
      if (d instanceof Decoded.End) {
        if (!WalCodec.allZero(data.duplicate().position(offset))) {
          if (!last) {
            throw new CorruptionException(
                file, firstNonZero(data, offset), "data after the end of the segment's records");
          }
          // A write that reached the disk after a page that did not: never synced (a sync covers
          // every earlier byte), so it is part of the torn tail.
          notes.add(cutTail(disk, file, data, offset, repair, "data after the end marker"));
        }
        return endOf(file, last, first, offset);
      }
      if (d instanceof Decoded.Invalid invalid) {
        if (last && isTorn(data, offset)) {
          notes.add(cutTail(disk, file, data, offset, repair, invalid.reason()));
          return endOf(file, last, first, offset);
        }
        throw new CorruptionException(file, offset, invalid.reason());
      }
      Decoded.Valid v = (Decoded.Valid) d;
      if (first) {
        checkHeader(file, name, v.record());
        first = false;
      }
      sink.accept(new Located(file, offset, v.bytes(), v.record()));
      offset += v.bytes();
    }
    return endOf(file, last, first, offset);
  }

  /** The end offset of a segment's records, checking that a segment other than the last has any. */
  private static long endOf(Path file, boolean last, boolean headerMissing, int offset) {
    if (!headerMissing) {
      return offset;
    }
    if (!last) {
      throw new CorruptionException(file, 0, "segment has no header");
    }
    return NO_HEADER;
  }

  private static void checkHeader(Path file, SegmentName name, WalRecord record) {
    if (!(record instanceof SegmentHeader h)) {
      throw new CorruptionException(file, 0, "segment does not start with a segment header");
    }
    if (h.sequence() != name.sequence() || h.firstIndex() != name.firstIndex()) {
      throw new CorruptionException(
          file, 0, "segment header " + h + " does not match the file name " + name.fileName());
    }
  }

  private static int firstNonZero(ByteBuffer data, int from) {
    int at = from;
    while (at < data.limit() && data.get(at) == 0) {
      at++;
    }
    return at;
  }

  /**
   * Whether the invalid record at {@code offset} is one a crash cut short rather than one damaged
   * afterwards. A torn record is the last thing written: nothing valid follows it, and it is not
   * whole. It runs past the end of the file, its trailer byte was never written, or a whole
   * 512-byte sector inside it is still zero (written out of order, one sector missing). A whole
   * record with flipped bits has its trailer and no zero sector; one whose length field is damaged
   * becomes whole again with that length bit restored, or is followed by the valid records written
   * after it. Either way it is not taken for torn.
   */
  static boolean isTorn(ByteBuffer data, int offset) {
    return looksCutShort(data, offset)
        && !validRecordFollows(data, offset)
        && !wholeWithDamagedLength(data, offset);
  }

  private static boolean looksCutShort(ByteBuffer data, int offset) {
    int limit = data.limit();
    if (limit - offset < WalCodec.HEADER_BYTES) {
      return true;
    }
    long length = Integer.toUnsignedLong(data.getInt(offset + 4));
    if (length > WalCodec.PAYLOAD_BYTES_MAX) {
      return false;
    }
    long end = offset + WalCodec.HEADER_BYTES + length + 1;
    if (end > limit || data.get((int) end - 1) == 0) {
      return true;
    }
    int firstSector = ((offset + SECTOR_BYTES - 1) / SECTOR_BYTES) * SECTOR_BYTES;
    for (long s = firstSector; s + SECTOR_BYTES <= end; s += SECTOR_BYTES) {
      if (WalCodec.allZero(data.duplicate().position((int) s).limit((int) s + SECTOR_BYTES))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a valid record starts anywhere after {@code offset}: then it was not the last write.
   */
  private static boolean validRecordFollows(ByteBuffer data, int offset) {
    int lastNonZero = data.limit() - 1;
    while (lastNonZero > offset && data.get(lastNonZero) == 0) {
      lastNonZero--;
    }
    for (int at = offset + 1; at <= lastNonZero; at++) {
      if (WalCodec.decode(data.duplicate().position(at)) instanceof Decoded.Valid) {
        return true;
      }
    }
    return false;
  }

  /** Whether the record at {@code offset} checks out once one bit of its length is flipped back. */
  private static boolean wholeWithDamagedLength(ByteBuffer data, int offset) {
    if (data.limit() - offset < WalCodec.HEADER_BYTES) {
      return false;
    }
    int stored = data.getInt(offset + 4);
    for (int bit = 0; bit < 32; bit++) {
      int length = stored ^ (1 << bit);
      long end = offset + WalCodec.HEADER_BYTES + Integer.toUnsignedLong(length) + 1;
      if (length < 0 || length > WalCodec.PAYLOAD_BYTES_MAX || end > data.limit()) {
        continue;
      }
      ByteBuffer candidate = ByteBuffer.allocate((int) (end - offset));
      candidate.put(data.duplicate().position(offset).limit((int) end)).flip();
      candidate.putInt(4, length);
      if (WalCodec.decode(candidate) instanceof Decoded.Valid) {
        return true;
      }
    }
    return false;
  }

  /**
   * Deletes the last segment, which holds no whole header (if {@code repair}), and says so. Its
   * creation survived a crash, its first write did not; the writer creates it again.
   */
  private static String removeEmptySegment(Disk disk, Path walDir, Path file, boolean repair) {
    if (repair) {
      disk.delete(file);
      disk.syncDirectory(walDir);
    }
    return String.format(
        java.util.Locale.ROOT,
        "%s the last segment %s: it has no whole header, so nothing in it was ever synced",
        repair ? "removed" : "found",
        file);
  }

  /** Zeroes the last segment from {@code offset} on (if {@code repair}) and says so. */
  private static String cutTail(
      Disk disk, Path file, ByteBuffer data, int offset, boolean repair, String reason) {
    int bytes = data.limit() - offset;
    if (repair) {
      try (DiskFile f = disk.open(file, false)) {
        f.write(ByteBuffer.allocate(bytes), offset);
        f.force();
      }
    }
    return String.format(
        java.util.Locale.ROOT,
        "%s the torn tail of %s at offset %d (%s): %d bytes there were never synced",
        repair ? "cut off" : "found",
        file,
        offset,
        reason,
        bytes);
  }
}
