package io.synod.storage;

import io.synod.common.Bytes;
import io.synod.raft.ConfState;
import io.synod.raft.Snapshot;
import io.synod.raft.SnapshotMeta;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * Snapshot files, one per snapshot, named {@code <term>-<index>.snap} in 16 hex digits each:
 *
 * <pre>
 *   magic "SYNS" │ version │ group │ index │ term │ voters │ outgoing │ learners │ learnersNext │
 *   autoLeave │ data length │ data │ CRC32C of everything before
 * </pre>
 *
 * A snapshot is written to {@code <name>.tmp}, synced, renamed into place and the directory synced,
 * so it appears whole or not at all. A leftover temporary file is an interrupted write and is
 * removed at startup. A named snapshot file that does not check out is corruption: the node refuses
 * to start. The newest few snapshots are kept; older ones are deleted.
 */
public final class SnapshotFiles {
  static final String SUFFIX = ".snap";
  static final String TEMP_SUFFIX = ".tmp";
  private static final int MAGIC = 0x53594E53; // "SYNS"
  private static final short VERSION = 1;

  /** How much of a snapshot file is written between two syncs (see {@link #write}). */
  static final int SYNC_EVERY_BYTES = 8 << 20;

  /** How much of the data one write call takes (a heap buffer goes through a direct one). */
  private static final int WRITE_CHUNK_BYTES = 1 << 20;

  private final Disk disk;
  private final Path dir;
  private final long groupId;

  public SnapshotFiles(Disk disk, Path dir, long groupId) {
    this.disk = disk;
    this.dir = dir;
    this.groupId = groupId;
  }

  /** The file name of the snapshot at {@code index} taken in {@code term}. */
  static String fileName(long term, long index) {
    return String.format(Locale.ROOT, "%016x-%016x%s", term, index, SUFFIX);
  }

  /** Parses a snapshot file name into {@code [term, index]}; empty for any other name. */
  static Optional<long[]> parse(String name) {
    if (!name.endsWith(SUFFIX) || name.length() != 33 + SUFFIX.length() || name.charAt(16) != '-') {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new long[] {
            Long.parseUnsignedLong(name.substring(0, 16), 16),
            Long.parseUnsignedLong(name.substring(17, 33), 16)
          });
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * Writes {@code snapshot} durably; on return it survives any crash.
   *
   * <p>The data is written from the snapshot's own buffer a chunk at a time, and synced every
   * {@link #SYNC_EVERY_BYTES}: an image can be hundreds of MiB, and the log's fsyncs share the disk
   * (and the file system's journal) with it, so one flush of the whole file would hold every commit
   * behind it. Nothing is copied whole either: the file's header and checksum are written around
   * the data.
   */
  public void write(Snapshot snapshot) {
    SnapshotMeta meta = snapshot.meta();
    ByteBuffer header = header(snapshot);
    CRC32C crc = new CRC32C();
    crc.update(header.duplicate());
    String name = fileName(meta.term(), meta.index());
    Path temp = dir.resolve(name + TEMP_SUFFIX);
    try (DiskFile f = disk.open(temp, true)) {
      f.truncate(0);
      long position = header.remaining();
      f.write(header, 0);
      ByteBuffer data = snapshot.data().asReadOnlyBuffer();
      long unsynced = 0;
      for (int from = 0; from < data.limit(); from += WRITE_CHUNK_BYTES) {
        ByteBuffer chunk = data.duplicate().position(from);
        chunk.limit(Math.min(data.limit(), from + WRITE_CHUNK_BYTES));
        int n = chunk.remaining();
        crc.update(chunk.duplicate());
        f.write(chunk, position);
        position += n;
        unsynced += n;
        if (unsynced >= SYNC_EVERY_BYTES) {
          f.force();
          unsynced = 0;
        }
      }
      f.write(ByteBuffer.allocate(4).putInt(0, (int) crc.getValue()), position);
      f.force();
    }
    disk.rename(temp, dir.resolve(name));
    disk.syncDirectory(dir);
  }

  /** Everything a snapshot file holds before the data. */
  private ByteBuffer header(Snapshot snapshot) {
    SnapshotMeta m = snapshot.meta();
    ConfState c = m.confState();
    int ids = c.voters().size() + c.votersOutgoing().size() + c.learners().size();
    ids += c.learnersNext().size();
    ByteBuffer buf = ByteBuffer.allocate(4 + 2 + 8 * 3 + 4 * 4 + 8 * ids + 1 + 8);
    buf.putInt(MAGIC).putShort(VERSION).putLong(groupId).putLong(m.index()).putLong(m.term());
    for (List<Long> list :
        List.of(c.voters(), c.votersOutgoing(), c.learners(), c.learnersNext())) {
      buf.putInt(list.size());
      list.forEach(buf::putLong);
    }
    buf.put((byte) (c.autoLeave() ? 1 : 0));
    buf.putLong(snapshot.data().size());
    return buf.flip();
  }

  /** Removes temporary files left by interrupted writes. */
  public void removeTemporaries() {
    boolean removed = false;
    for (String name : disk.list(dir)) {
      if (name.endsWith(TEMP_SUFFIX)) {
        disk.delete(dir.resolve(name));
        removed = true;
      }
    }
    if (removed) {
      disk.syncDirectory(dir);
    }
  }

  /** The snapshot files, newest (highest index) first. */
  public List<Path> files() {
    List<long[]> found = new ArrayList<>();
    for (String name : disk.list(dir)) {
      parse(name).ifPresent(found::add);
    }
    found.sort((a, b) -> a[1] != b[1] ? Long.compare(b[1], a[1]) : Long.compare(b[0], a[0]));
    List<Path> out = new ArrayList<>();
    for (long[] f : found) {
      out.add(dir.resolve(fileName(f[0], f[1])));
    }
    return out;
  }

  /** The newest snapshot, checked; {@link Snapshot#EMPTY} if there is none. */
  public Snapshot loadNewest() {
    List<Path> files = files();
    return files.isEmpty() ? Snapshot.EMPTY : read(files.get(0));
  }

  /** The file of the snapshot at {@code index} taken in {@code term}. */
  public Path path(long term, long index) {
    return dir.resolve(fileName(term, index));
  }

  /**
   * Reads and checks the snapshot at {@code index} taken in {@code term}.
   *
   * @throws CorruptionException if it does not check out
   * @throws StorageException if it cannot be read (it is missing, say)
   */
  public Snapshot read(long term, long index) {
    return read(path(term, index));
  }

  /** A checked snapshot file: the snapshot and the Raft group it belongs to. */
  public record Stored(long groupId, Snapshot snapshot) {}

  /**
   * Reads and checks one snapshot file of this store's group.
   *
   * @throws CorruptionException if it does not check out or belongs to another group
   */
  public Snapshot read(Path file) {
    Stored stored = readAnyGroup(disk, file);
    if (stored.groupId() != groupId) {
      throw new CorruptionException(
          file, 6, "snapshot of group " + stored.groupId() + ", expected " + groupId);
    }
    return stored.snapshot();
  }

  /**
   * Reads and checks one snapshot file, whatever group it belongs to (for tools).
   *
   * @throws CorruptionException if it does not check out
   */
  public static Stored readAnyGroup(Disk disk, Path file) {
    ByteBuffer buf;
    try (DiskFile f = disk.open(file, false)) {
      long size = f.size();
      if (size > Integer.MAX_VALUE - 16) {
        throw new CorruptionException(file, 0, "snapshot file of " + size + " bytes is too large");
      }
      buf = ByteBuffer.allocate((int) size);
      f.read(buf, 0);
      buf.flip();
    }
    if (buf.remaining() < 4) {
      throw new CorruptionException(file, 0, "snapshot file is cut short");
    }
    int end = buf.limit() - 4;
    CRC32C crc = new CRC32C();
    crc.update(buf.duplicate().limit(end));
    if ((int) crc.getValue() != buf.getInt(end)) {
      throw new CorruptionException(file, end, "snapshot checksum mismatch");
    }
    try {
      return decode(file, buf.limit(end));
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw new CorruptionException(file, buf.position(), "malformed snapshot: " + e.getMessage());
    }
  }

  private static Stored decode(Path file, ByteBuffer buf) {
    if (buf.getInt() != MAGIC) {
      throw new CorruptionException(file, 0, "not a snapshot file (bad magic)");
    }
    short version = buf.getShort();
    if (version != VERSION) {
      throw new CorruptionException(file, 4, "unsupported snapshot version " + version);
    }
    long group = buf.getLong();
    long index = buf.getLong();
    long term = buf.getLong();
    List<List<Long>> lists = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      int n = buf.getInt();
      if (n < 0 || n > 10_000) {
        throw new IllegalArgumentException("bad member count " + n);
      }
      List<Long> ids = new ArrayList<>();
      for (int j = 0; j < n; j++) {
        ids.add(buf.getLong());
      }
      lists.add(ids);
    }
    boolean autoLeave = buf.get() == 1;
    long length = buf.getLong();
    if (length != buf.remaining()) {
      throw new IllegalArgumentException(
          "data length " + length + " but " + buf.remaining() + " bytes left");
    }
    Bytes data = Bytes.copyOf(buf);
    ConfState conf =
        new ConfState(lists.get(0), lists.get(1), lists.get(2), lists.get(3), autoLeave);
    return new Stored(group, new Snapshot(new SnapshotMeta(index, term, conf), data));
  }

  /** Deletes all but the newest {@code keep} snapshots. */
  public void prune(int keep) {
    List<Path> files = files();
    for (int i = keep; i < files.size(); i++) {
      disk.delete(files.get(i));
    }
    if (files.size() > keep) {
      disk.syncDirectory(dir);
    }
  }
}
