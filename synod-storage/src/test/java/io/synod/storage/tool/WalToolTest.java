package io.synod.storage.tool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.common.Bytes;
import io.synod.raft.ConfChange;
import io.synod.raft.ConfState;
import io.synod.raft.Entry;
import io.synod.raft.EntryType;
import io.synod.raft.HardState;
import io.synod.raft.Snapshot;
import io.synod.raft.SnapshotMeta;
import io.synod.storage.FileLogStore;
import io.synod.storage.RealDisk;
import io.synod.storage.StorageException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code synod-wal dump}, run in-process on directories written by the real store. */
class WalToolTest {
  @TempDir Path dir;

  private static final long GROUP = 7;
  private static final FileLogStore.Options SMALL_SEGMENTS = new FileLogStore.Options(4096, 2);

  /** What one run printed and returned. */
  private record Run(int exitCode, String out, String err) {
    List<String> lines() {
      return out.lines().toList();
    }

    List<String> recordLines() {
      return lines().stream().filter(l -> l.startsWith("  @")).toList();
    }
  }

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cmd = WalTool.commandLine();
    cmd.setOut(new PrintWriter(out));
    cmd.setErr(new PrintWriter(err));
    int code = cmd.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  /** Runs {@code dump} on {@link #dir} and checks it left every file exactly as it was. */
  private Run dump(String... options) throws IOException {
    Map<String, String> before = contents(dir);
    List<String> args = new ArrayList<>(List.of("dump"));
    args.addAll(List.of(options));
    args.add(dir.toString());
    Run r = run(args.toArray(String[]::new));
    assertThat(contents(dir)).as("the tool must not change the directory").isEqualTo(before);
    return r;
  }

  /** Every file under {@code root}: its bytes and modification time. */
  private static Map<String, String> contents(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.sorted().toList()) {
        String value = Files.getLastModifiedTime(p).toString();
        if (Files.isRegularFile(p)) {
          value += " " + Arrays.hashCode(Files.readAllBytes(p)) + " " + Files.size(p);
        }
        out.put(root.relativize(p).toString(), value);
      }
    }
    return out;
  }

  private static List<Entry> entries(long from, int count, long term) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(Entry.normal(term, from + i, Bytes.utf8("entry-" + (from + i))));
    }
    return out;
  }

  private FileLogStore open() {
    return FileLogStore.open(dir, GROUP, SMALL_SEGMENTS);
  }

  private List<Path> segments() throws IOException {
    try (Stream<Path> s = Files.list(dir.resolve("wal"))) {
      return s.filter(p -> p.toString().endsWith(".wal")).sorted().toList();
    }
  }

  /** A log of 200 entries in several segments, with hard states along the way. */
  private void writeCleanLog() {
    try (FileLogStore s = open()) {
      for (int i = 0; i < 20; i++) {
        s.append(entries(i * 10L + 1, 10, 1 + i / 10));
        s.setHardState(new HardState(1 + i / 10, 1, i * 10L));
        s.sync();
      }
    }
  }

  @Test
  void aCleanLogIsPrintedRecordByRecordWithSegmentsAndSummary() throws IOException {
    writeCleanLog();
    List<Path> segments = segments();
    assertThat(segments).hasSizeGreaterThan(2);

    Run r = dump();

    assertThat(r.exitCode()).isZero();
    assertThat(r.err()).isEmpty();
    List<String> lines = r.lines();
    assertThat(lines.get(0)).isEqualTo("data directory " + dir);
    assertThat(lines.get(1))
        .isEqualTo(
            "segment wal/0000000000000001-0000000000000001.wal seq=1 first-index=1 size=4096B");
    // The header takes 9 + 22 + 1 bytes; the first entry follows it.
    assertThat(lines.get(2)).isEqualTo("  @0 header seq=1 first-index=1");
    assertThat(lines.get(3))
        .isEqualTo("  @32 entry group=7 term=1 index=1 type=NORMAL data=7B \"entry-1\"");
    assertThat(lines)
        .contains("  @453 hard-state group=7 term=1 vote=1 commit=0")
        .contains("group 7: entries=1..200 (200 records) hard-state term=2 vote=1 commit=190")
        .contains("torn tail: none");
    assertThat(lines.stream().filter(l -> l.startsWith("segment ")).toList())
        .hasSize(segments.size());
    assertThat(lines.stream().filter(l -> l.startsWith("  end used=")).toList())
        .hasSize(segments.size());
    // A header per segment, 200 entries, 20 hard states, and the hard state each later segment's
    // preamble repeats.
    assertThat(r.recordLines()).hasSize(segments.size() + 220 + (segments.size() - 1));
    assertThat(lines)
        .contains(
            "summary: snapshots=0 segments="
                + segments.size()
                + " records="
                + r.recordLines().size());
    assertThat(lines.get(lines.size() - 1)).isEqualTo("torn tail: none");
  }

  @Test
  void withoutRecordsOnlySegmentsAndTheSummaryArePrinted() throws IOException {
    writeCleanLog();
    Run full = dump();
    Run brief = dump("--records=false");
    Run negated = dump("--no-records");

    assertThat(brief.exitCode()).isZero();
    assertThat(brief.recordLines()).isEmpty();
    assertThat(brief.lines())
        .isEqualTo(full.lines().stream().filter(l -> !l.startsWith("  @")).toList());
    assertThat(negated.out()).isEqualTo(brief.out());
  }

  @Test
  void snapshotsAndCompactionAreShown() throws IOException {
    ConfState members = ConfState.of(List.of(1L, 2L, 3L), List.of(4L));
    try (FileLogStore s = open()) {
      for (int i = 0; i < 40; i++) {
        s.append(entries(i * 50L + 1, 50, 1));
        s.sync();
      }
      s.saveSnapshot(1800, members, Bytes.utf8("state at 1800"));
      s.compact(1800);
      s.sync();
      s.compact(1800);
    }

    Run r = dump();

    assertThat(r.exitCode()).isZero();
    assertThat(r.err()).isEmpty();
    List<String> lines = r.lines();
    assertThat(lines.get(1))
        .isEqualTo(
            "snapshot snap/0000000000000001-0000000000000708.snap group=7 index=1800 term=1"
                + " voters=[1, 2, 3] learners=[4] data=13B \"state at 1800\" checksum=ok");
    assertThat(r.recordLines())
        .anyMatch(l -> l.endsWith(" snapshot group=7 index=1800 term=1 installed=false"))
        .anyMatch(l -> l.endsWith(" compact group=7 index=1800 term=1"));
    // Compaction deleted the segments the snapshot covers: the log starts later.
    String group = lines.stream().filter(l -> l.startsWith("group 7: ")).findFirst().orElseThrow();
    assertThat(group).endsWith("..2000 (" + countEntries(r) + " records) hard-state none");
    assertThat(group).doesNotStartWith("group 7: entries=1..");
    assertThat(lines).contains("torn tail: none");
  }

  private static long countEntries(Run r) {
    return r.recordLines().stream().filter(l -> l.contains(" entry ")).count();
  }

  @Test
  void anInstalledSnapshotAndAConfChangeEntryArePrinted() throws IOException {
    ConfChange change = ConfChange.of(ConfChange.ChangeType.ADD_VOTER, 4);
    try (FileLogStore s = open()) {
      s.append(entries(1, 3, 1));
      s.installSnapshot(
          new Snapshot(
              new SnapshotMeta(10, 2, ConfState.ofVoters(List.of(1L, 2L))),
              Bytes.copyOf(new byte[] {0, 1, 2})));
      s.append(List.of(new Entry(3, 11, EntryType.CONF_CHANGE, change.encode())));
      s.sync();
    }

    Run r = dump();

    assertThat(r.exitCode()).isZero();
    assertThat(r.lines())
        .contains(
            "snapshot snap/0000000000000002-000000000000000a.snap group=7 index=10 term=2"
                + " voters=[1, 2] data=3B \"\\x00\\x01\\x02\" checksum=ok")
        .contains("group 7: entries=1..11 (4 records) hard-state none");
    assertThat(r.recordLines())
        .anyMatch(l -> l.endsWith(" snapshot group=7 index=10 term=2 installed=true"))
        .anyMatch(
            l ->
                l.endsWith(
                    " entry group=7 term=3 index=11 type=CONF_CHANGE data="
                        + change.encode().size()
                        + "B change=\"v4\""));
  }

  @Test
  void aTornTailIsReportedAndLeftInPlace() throws IOException {
    try (FileLogStore s = open()) {
      s.append(entries(1, 5, 1));
      s.sync();
      s.append(entries(6, 1, 1));
    }
    Path segment = segments().get(0);
    Run clean = dump();
    List<String> records = clean.recordLines();
    long lastOffset = offsetOf(records.get(records.size() - 1));
    long end = writtenEnd(segment);
    // The last append reached the disk only partly: its trailer byte is still zero.
    poke(segment, end - 1, (byte) 0);

    Run r = dump();

    assertThat(r.exitCode()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.recordLines()).isEqualTo(records.subList(0, records.size() - 1));
    assertThat(r.lines())
        .contains("  end used=" + lastOffset + "B records=" + (records.size() - 1))
        .contains("group 7: entries=1..5 (5 records) hard-state none");
    assertThat(r.lines().get(r.lines().size() - 1))
        .isEqualTo(
            "torn tail: found the torn tail of "
                + segment
                + " at offset "
                + lastOffset
                + " (record does not end with its trailer byte): "
                + (4096 - lastOffset)
                + " bytes there were never synced (a node cuts it off when it starts)");
  }

  @Test
  void aLastSegmentWithoutItsHeaderIsReportedAsATornTailAndLeftInPlace() throws IOException {
    try (FileLogStore s = open()) {
      s.append(entries(1, 5, 1));
      s.sync();
    }
    // A crash right after the next segment was created, before its header was written.
    Path next = dir.resolve("wal/0000000000000002-0000000000000006.wal");
    Files.write(next, new byte[4096]);

    Run r = dump();

    assertThat(r.exitCode()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.lines())
        .contains("summary: snapshots=0 segments=1 records=6")
        .contains("group 7: entries=1..5 (5 records) hard-state none");
    assertThat(r.lines().get(r.lines().size() - 1))
        .isEqualTo(
            "torn tail: found the last segment "
                + next
                + ": it has no whole header, so nothing in it was ever synced"
                + " (a node cuts it off when it starts)");
    assertThat(next).exists();
  }

  @Test
  void aFlippedBitIsCorruptionAfterPrintingWhatCameBefore() throws IOException {
    try (FileLogStore s = open()) {
      s.append(entries(1, 20, 1));
      s.sync();
    }
    Path segment = segments().get(0);
    List<String> records = dump().recordLines();
    // The record holding byte 200, and the records before it.
    int hit = 0;
    while (hit + 1 < records.size() && offsetOf(records.get(hit + 1)) <= 200) {
      hit++;
    }
    poke(segment, 200, (byte) (Files.readAllBytes(segment)[200] ^ 0x10));

    Run r = dump();

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo(
            "synod-wal: corrupt: "
                + segment
                + " at offset "
                + offsetOf(records.get(hit))
                + ": checksum mismatch"
                + System.lineSeparator());
    assertThat(r.recordLines()).isEqualTo(records.subList(0, hit));
    assertThat(r.out()).doesNotContain("summary");
  }

  @Test
  void aDamagedSnapshotFileIsCorruption() throws IOException {
    try (FileLogStore s = open()) {
      s.append(entries(1, 5, 1));
      s.saveSnapshot(5, ConfState.ofVoters(List.of(1L)), Bytes.utf8("state"));
      s.sync();
    }
    Path snap = dir.resolve("snap/0000000000000001-0000000000000005.snap");
    poke(snap, 40, (byte) (Files.readAllBytes(snap)[40] ^ 0x01));

    Run r = dump();

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo(
            "synod-wal: corrupt: "
                + snap
                + " at offset "
                + (Files.size(snap) - 4)
                + ": snapshot checksum mismatch"
                + System.lineSeparator());
  }

  @Test
  void theDirectoryOfARunningNodeCanBeRead() throws IOException {
    try (FileLogStore s = open()) {
      s.append(entries(1, 5, 1));
      s.setHardState(new HardState(1, 1, 3));
      s.sync();

      Run r = dump();

      assertThat(r.exitCode()).isZero();
      assertThat(r.err()).isEmpty();
      assertThat(r.lines())
          .contains("group 7: entries=1..5 (5 records) hard-state term=1 vote=1 commit=3");
      // The node still holds its lock and can go on writing.
      s.append(entries(6, 1, 1));
      s.sync();
    }
  }

  @Test
  void aDirectoryWithoutWalOrSnapIsNotADataDirectory() throws IOException {
    Path empty = Files.createDirectory(dir.resolve("empty"));
    Path file = Files.writeString(dir.resolve("file"), "x");
    Path missing = dir.resolve("missing");
    for (Path p : List.of(empty, file, missing)) {
      Run r = run("dump", p.toString());
      assertThat(r.exitCode()).isEqualTo(2);
      assertThat(r.out()).isEmpty();
      assertThat(r.err())
          .isEqualTo("synod-wal: not a Synod data directory: " + p + System.lineSeparator());
    }
    assertThat(Files.exists(missing)).isFalse();
    try (Stream<Path> s = Files.list(empty)) {
      assertThat(s.count()).isZero();
    }
  }

  @Test
  void usageErrorsAreOneLineAndExitTwo() {
    Run missingDir = run("dump");
    assertThat(missingDir.exitCode()).isEqualTo(2);
    assertThat(missingDir.out()).isEmpty();
    assertThat(missingDir.err())
        .isEqualTo(
            "synod-wal: Missing required parameter: 'DIR' (see 'synod-wal dump --help')"
                + System.lineSeparator());

    Run noCommand = run();
    assertThat(noCommand.exitCode()).isEqualTo(2);
    assertThat(noCommand.err()).startsWith("synod-wal: ").hasLineCount(1);

    Run unknownOption = run("dump", "--bogus", dir.toString());
    assertThat(unknownOption.exitCode()).isEqualTo(2);
    assertThat(unknownOption.err())
        .startsWith("synod-wal: Unknown option: '--bogus'")
        .hasLineCount(1);
  }

  @Test
  void helpIsPrintedToStdoutWithExitZero() {
    Run r = run("dump", "--help");
    assertThat(r.exitCode()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).startsWith("Usage: synod-wal dump").contains("DIR").contains("--records");
  }

  @Test
  void dataIsPreviewedPrintablyAndCutShort() {
    assertThat(DataDirDump.preview(Bytes.EMPTY)).isEqualTo("\"\"");
    assertThat(DataDirDump.preview(Bytes.copyOf(new byte[] {0, 'a', '"', '\\', (byte) 0xff})))
        .isEqualTo("\"\\x00a\\\"\\\\\\xff\"");
    assertThat(DataDirDump.preview(Bytes.utf8("x".repeat(40))))
        .isEqualTo("\"" + "x".repeat(DataDirDump.PREVIEW_BYTES_MAX) + "\"...");
  }

  @Test
  void theReadOnlyDiskRefusesEveryWrite() throws IOException {
    writeCleanLog();
    Path segment = segments().get(0);
    RealDisk disk = RealDisk.READ_ONLY;
    assertThatThrownBy(() -> disk.delete(segment)).isInstanceOf(StorageException.class);
    assertThatThrownBy(() -> disk.lock(dir.resolve("LOCK"))).isInstanceOf(StorageException.class);
    assertThatThrownBy(() -> disk.open(dir.resolve("new"), true))
        .isInstanceOf(StorageException.class);
    try (var f = disk.open(segment, false)) {
      assertThatThrownBy(() -> f.write(ByteBuffer.allocate(1), 0))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("read-only");
      assertThatThrownBy(() -> f.truncate(0)).isInstanceOf(StorageException.class);
    }
    assertThat(Files.size(segment)).isEqualTo(4096);
  }

  private static long offsetOf(String recordLine) {
    return Long.parseLong(recordLine.substring(3, recordLine.indexOf(' ', 3)));
  }

  /** Offset of the first byte after the last non-zero byte of the file. */
  private static long writtenEnd(Path file) throws IOException {
    byte[] b = Files.readAllBytes(file);
    int end = b.length;
    while (end > 0 && b[end - 1] == 0) {
      end--;
    }
    return end;
  }

  private static void poke(Path file, long offset, byte value) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {value}), offset);
    }
  }
}
