package io.synod.storage.tool;

import io.synod.common.Bytes;
import io.synod.raft.ConfChange;
import io.synod.raft.Entry;
import io.synod.raft.EntryType;
import io.synod.raft.HardState;
import io.synod.raft.Snapshot;
import io.synod.storage.Disk;
import io.synod.storage.DiskFile;
import io.synod.storage.SegmentName;
import io.synod.storage.SnapshotFiles;
import io.synod.storage.WalReader;
import io.synod.storage.WalReader.Located;
import io.synod.storage.WalRecord;
import io.synod.storage.WalRecord.CompactRecord;
import io.synod.storage.WalRecord.EntryRecord;
import io.synod.storage.WalRecord.HardStateRecord;
import io.synod.storage.WalRecord.SegmentHeader;
import io.synod.storage.WalRecord.SnapshotRecord;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Prints what a data directory holds, in a stable, line-oriented form:
 *
 * <pre>
 *   data directory DIR
 *   snapshot snap/NAME group=7 index=1800 term=3 voters=[1, 2, 3] data=13B "state" checksum=ok
 *   segment wal/NAME seq=1 first-index=1 size=65536B
 *     @0 header seq=1 first-index=1
 *     @32 entry group=7 term=1 index=1 type=NORMAL data=7B "entry-1"
 *     @74 hard-state group=7 term=1 vote=1 commit=1
 *     end used=116B records=3
 *   summary: snapshots=1 segments=1 records=3
 *   group 7: entries=1..1 (1 records) hard-state term=1 vote=1 commit=1
 *   torn tail: none
 * </pre>
 *
 * Lines are printed as records are read, so when the reader stops at corruption everything before
 * it has been shown; the caller prints the error. Reads through the {@link Disk} it is given (the
 * tool passes a read-only one) and never repairs. One use per instance; not thread-safe.
 */
final class DataDirDump {
  /** How many bytes of an entry's data are shown. */
  static final int PREVIEW_BYTES_MAX = 32;

  private final Disk disk;
  private final Path dir;
  private final boolean printRecords;
  private final PrintWriter out;

  private int segments;
  private long records;
  private Path segment;
  private long segmentSizeBytes;
  private long segmentUsedBytes;
  private long segmentRecords;
  private final Map<Long, GroupSummary> groups = new TreeMap<>();

  /** What the log says about one Raft group. */
  private static final class GroupSummary {
    long entryRecords;
    long lowestIndex = Long.MAX_VALUE;
    long highestIndex;
    HardState hardState;
  }

  DataDirDump(Disk disk, Path dir, boolean printRecords, PrintWriter out) {
    this.disk = disk;
    this.dir = dir;
    this.printRecords = printRecords;
    this.out = out;
  }

  /**
   * Whether {@code dir} looks like a Synod data directory: it has {@code wal/} or {@code snap/}.
   */
  static boolean isDataDirectory(Disk disk, Path dir) {
    return disk.isDirectory(dir)
        && (disk.isDirectory(dir.resolve("wal")) || disk.isDirectory(dir.resolve("snap")));
  }

  /**
   * Prints everything.
   *
   * @throws io.synod.storage.CorruptionException at the first damage found (after printing what
   *     came before it)
   * @throws io.synod.storage.StorageException if a file cannot be read
   */
  void run() {
    out.println("data directory " + dir);
    int snapshots = 0;
    Path snapDir = dir.resolve("snap");
    if (disk.isDirectory(snapDir)) {
      snapshots = printSnapshots(snapDir);
    }
    List<String> notes = List.of();
    Path walDir = dir.resolve("wal");
    if (disk.isDirectory(walDir)) {
      notes = WalReader.read(disk, walDir, false, this::onRecord).notes();
      endSegment();
    }
    printSummary(snapshots, notes);
  }

  private int printSnapshots(Path snapDir) {
    // files() lists newest first; print oldest first, like the log.
    List<Path> files = new SnapshotFiles(disk, snapDir, 0).files();
    for (int i = files.size() - 1; i >= 0; i--) {
      Path file = files.get(i);
      SnapshotFiles.Stored stored = SnapshotFiles.readAnyGroup(disk, file);
      Snapshot s = stored.snapshot();
      out.println(
          "snapshot "
              + dir.relativize(file)
              + " group="
              + stored.groupId()
              + " index="
              + s.index()
              + " term="
              + s.term()
              + " "
              + s.meta().confState()
              + " data="
              + s.data().size()
              + "B "
              + preview(s.data())
              + " checksum=ok");
    }
    for (String name : disk.list(snapDir)) {
      if (name.endsWith(".tmp")) {
        out.println(
            "snapshot "
                + dir.relativize(snapDir.resolve(name))
                + " temporary="
                + sizeBytes(snapDir.resolve(name))
                + "B (an interrupted snapshot write; a node removes it when it starts)");
      }
    }
    return files.size();
  }

  private void onRecord(Located at) {
    if (!at.file().equals(segment)) {
      endSegment();
      beginSegment(at.file());
    }
    records++;
    segmentRecords++;
    segmentUsedBytes = at.offset() + at.bytes();
    WalRecord r = at.record();
    if (r instanceof EntryRecord e) {
      GroupSummary g = groups.computeIfAbsent(e.groupId(), id -> new GroupSummary());
      g.entryRecords++;
      g.lowestIndex = Math.min(g.lowestIndex, e.entry().index());
      g.highestIndex = Math.max(g.highestIndex, e.entry().index());
    } else if (r instanceof HardStateRecord h) {
      groups.computeIfAbsent(h.groupId(), id -> new GroupSummary()).hardState = h.state();
    }
    if (printRecords) {
      out.println("  @" + at.offset() + " " + describe(r));
    }
  }

  private void beginSegment(Path file) {
    segment = file;
    segments++;
    segmentSizeBytes = sizeBytes(file);
    segmentUsedBytes = 0;
    segmentRecords = 0;
    String name = file.getFileName().toString();
    SegmentName parsed = SegmentName.parse(name).orElseThrow();
    out.println(
        "segment "
            + dir.relativize(file)
            + " seq="
            + parsed.sequence()
            + " first-index="
            + parsed.firstIndex()
            + " size="
            + segmentSizeBytes
            + "B");
  }

  private void endSegment() {
    if (segment != null) {
      out.println("  end used=" + segmentUsedBytes + "B records=" + segmentRecords);
      segment = null;
    }
  }

  private long sizeBytes(Path file) {
    try (DiskFile f = disk.open(file, false)) {
      return f.size();
    }
  }

  private void printSummary(int snapshots, List<String> notes) {
    out.println(
        "summary: snapshots=" + snapshots + " segments=" + segments + " records=" + records);
    for (Map.Entry<Long, GroupSummary> e : groups.entrySet()) {
      GroupSummary g = e.getValue();
      String entries =
          g.entryRecords == 0
              ? "entries=none"
              : "entries="
                  + g.lowestIndex
                  + ".."
                  + g.highestIndex
                  + " ("
                  + g.entryRecords
                  + " records)";
      String hardState =
          g.hardState == null
              ? "hard-state none"
              : "hard-state term="
                  + g.hardState.term()
                  + " vote="
                  + g.hardState.vote()
                  + " commit="
                  + g.hardState.commit();
      out.println("group " + e.getKey() + ": " + entries + " " + hardState);
    }
    if (notes.isEmpty()) {
      out.println("torn tail: none");
    }
    for (String note : notes) {
      out.println("torn tail: " + note + " (a node cuts it off when it starts)");
    }
  }

  /** One record, without its offset. */
  static String describe(WalRecord record) {
    if (record instanceof SegmentHeader h) {
      return "header seq=" + h.sequence() + " first-index=" + h.firstIndex();
    } else if (record instanceof EntryRecord e) {
      Entry entry = e.entry();
      return "entry group="
          + e.groupId()
          + " term="
          + entry.term()
          + " index="
          + entry.index()
          + " type="
          + entry.type()
          + " data="
          + entry.data().size()
          + "B "
          + (entry.type() == EntryType.CONF_CHANGE
              ? confChange(entry.data())
              : preview(entry.data()));
    } else if (record instanceof HardStateRecord h) {
      HardState s = h.state();
      return "hard-state group="
          + h.groupId()
          + " term="
          + s.term()
          + " vote="
          + s.vote()
          + " commit="
          + s.commit();
    } else if (record instanceof SnapshotRecord s) {
      return "snapshot group="
          + s.groupId()
          + " index="
          + s.index()
          + " term="
          + s.term()
          + " installed="
          + s.installed();
    } else {
      CompactRecord c = (CompactRecord) record;
      return "compact group=" + c.groupId() + " index=" + c.index() + " term=" + c.term();
    }
  }

  private static String confChange(Bytes data) {
    try {
      return "change=\"" + ConfChange.decode(data) + "\"";
    } catch (IllegalArgumentException malformed) {
      return "change=malformed " + preview(data);
    }
  }

  /**
   * The first {@link #PREVIEW_BYTES_MAX} bytes in double quotes: printable ASCII as it is, a quote
   * or backslash escaped with a backslash, anything else as {@code \xNN}; {@code ...} follows if
   * there is more.
   */
  static String preview(Bytes data) {
    StringBuilder sb = new StringBuilder("\"");
    int n = Math.min(data.size(), PREVIEW_BYTES_MAX);
    for (int i = 0; i < n; i++) {
      int b = data.byteAt(i) & 0xff;
      if (b == '"' || b == '\\') {
        sb.append('\\').append((char) b);
      } else if (b >= 0x20 && b < 0x7f) {
        sb.append((char) b);
      } else {
        sb.append(String.format(Locale.ROOT, "\\x%02x", b));
      }
    }
    sb.append('"');
    if (data.size() > n) {
      sb.append("...");
    }
    return sb.toString();
  }
}
