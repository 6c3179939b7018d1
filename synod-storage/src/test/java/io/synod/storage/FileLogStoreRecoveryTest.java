package io.synod.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.common.Bytes;
import io.synod.raft.ConfState;
import io.synod.raft.Entry;
import io.synod.raft.HardState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Recovery on real files: what a crash can leave is repaired and said; anything else refused. */
class FileLogStoreRecoveryTest {
  @TempDir Path dir;

  private static final FileLogStore.Options OPTIONS = new FileLogStore.Options(8192, 2);

  private static List<Entry> entries(long from, int count, long term) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(Entry.normal(term, from + i, Bytes.utf8("entry-" + (from + i))));
    }
    return out;
  }

  private FileLogStore open() {
    return FileLogStore.open(dir, 7, OPTIONS);
  }

  private Path onlySegment() throws IOException {
    try (Stream<Path> s = Files.list(dir.resolve("wal"))) {
      List<Path> files = s.filter(p -> p.toString().endsWith(".wal")).sorted().toList();
      return files.get(files.size() - 1);
    }
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

  private static byte peek(Path file, long offset) throws IOException {
    return Files.readAllBytes(file)[(int) offset];
  }

  @Test
  void aCleanRestartFindsEverythingAndReportsNothing() {
    try (FileLogStore s = open()) {
      s.append(entries(1, 10, 1));
      s.setHardState(new HardState(1, 1, 8));
      s.sync();
    }
    try (FileLogStore s = open()) {
      assertThat(s.recoveryNotes()).isEmpty();
      assertThat(s.lastIndex()).isEqualTo(10);
      assertThat(s.hardState()).isEqualTo(new HardState(1, 1, 8));
      assertThat(s.entries(1, 11, Long.MAX_VALUE)).isEqualTo(entries(1, 10, 1));
    }
  }

  @Test
  void aTornLastRecordIsCutOffAndReported() throws IOException {
    try (FileLogStore s = open()) {
      s.append(entries(1, 5, 1));
      s.sync();
      s.append(entries(6, 1, 1));
    }
    Path segment = onlySegment();
    long end = writtenEnd(segment);
    // The last write reached the disk only partly: its trailer byte is still zero.
    poke(segment, end - 1, (byte) 0);

    try (FileLogStore s = open()) {
      assertThat(s.lastIndex()).isEqualTo(5);
      assertThat(s.recoveryNotes()).hasSize(1);
      assertThat(s.recoveryNotes().get(0)).contains("torn tail").contains(segment.toString());
      // The cut is durable and clean: appending again and reopening gives the new entry.
      s.append(entries(6, 1, 2));
      s.sync();
    }
    try (FileLogStore s = open()) {
      assertThat(s.recoveryNotes()).isEmpty();
      assertThat(s.term(6)).isEqualTo(2);
    }
  }

  @Test
  void aFlippedBitInASyncedRecordIsCorruption() throws IOException {
    try (FileLogStore s = open()) {
      s.append(entries(1, 20, 1));
      s.sync();
    }
    Path segment = onlySegment();
    long offset = 200;
    poke(segment, offset, (byte) (peek(segment, offset) ^ 0x10));

    assertThatThrownBy(this::open)
        .isInstanceOf(CorruptionException.class)
        .hasMessageContaining(segment.toString())
        .hasMessageContaining("at offset");
  }

  @Test
  void aSecondProcessCannotOpenTheSameDirectory() {
    try (FileLogStore s = open()) {
      assertThat(s.lastIndex()).isZero();
      assertThatThrownBy(this::open)
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("in use by another process");
    }
  }

  @Test
  void segmentsRollAndCompactionDeletesTheOnesASnapshotCovers() throws IOException {
    try (FileLogStore s = open()) {
      for (int i = 0; i < 40; i++) {
        s.append(entries(i * 50L + 1, 50, 1));
        s.sync();
      }
      assertThat(s.wal().segmentCount()).isGreaterThan(3);
      s.saveSnapshot(1800, ConfState.ofVoters(List.of(1L)), Bytes.utf8("state at 1800"));
      s.compact(1800);
      s.sync();
      s.compact(1800);
      assertThat(s.firstIndex()).isEqualTo(1801);
    }
    try (FileLogStore s = open()) {
      assertThat(s.snapshotMeta().index()).isEqualTo(1800);
      assertThat(s.snapshot().data()).isEqualTo(Bytes.utf8("state at 1800"));
      assertThat(s.firstIndex()).isEqualTo(1801);
      assertThat(s.lastIndex()).isEqualTo(2000);
      assertThat(s.entries(1801, 2001, Long.MAX_VALUE)).isEqualTo(entries(1801, 200, 1));
    }
    try (Stream<Path> files = Files.list(dir.resolve("wal"))) {
      assertThat(files.count()).isLessThan(8);
    }
  }

  @Test
  void aMissingSegmentInTheMiddleIsCorruption() throws IOException {
    try (FileLogStore s = open()) {
      for (int i = 0; i < 20; i++) {
        s.append(entries(i * 50L + 1, 50, 1));
        s.sync();
      }
    }
    List<Path> segments;
    try (Stream<Path> s = Files.list(dir.resolve("wal"))) {
      segments = s.sorted().toList();
    }
    Files.delete(segments.get(1));

    assertThatThrownBy(this::open)
        .isInstanceOf(CorruptionException.class)
        .hasMessageContaining("a segment is missing");
  }

  /**
   * Regression (found by FileLogStoreKillIT): a crash between creating the next segment and writing
   * its header left a last segment that was empty, still all zero or had a torn header. Recovery
   * refused it as corrupt ("segment has no header") or failed with an IndexOutOfBoundsException; it
   * was never synced, so it is a torn tail like any other.
   */
  @ParameterizedTest
  @ValueSource(strings = {"empty", "zeros", "torn-header"})
  void aLastSegmentACrashLeftWithoutItsHeaderIsATornTail(String shape) throws IOException {
    try (FileLogStore s = open()) {
      for (int i = 0; i < 10; i++) {
        s.append(entries(i * 50L + 1, 50, 1));
        s.sync();
      }
      s.setHardState(new HardState(1, 1, 400));
      s.sync();
    }
    Path last = onlySegment();
    SegmentName lastName = SegmentName.parse(last.getFileName().toString()).orElseThrow();
    Path next =
        dir.resolve("wal").resolve(new SegmentName(lastName.sequence() + 1, 501).fileName());
    byte[] content =
        switch (shape) {
          case "empty" -> new byte[0];
          case "zeros" -> new byte[(int) OPTIONS.segmentBytes()];
          default -> {
            ByteBuffer header = ByteBuffer.allocate((int) OPTIONS.segmentBytes());
            WalCodec.encode(new WalRecord.SegmentHeader(lastName.sequence() + 1, 501), header);
            byte[] b = header.array();
            Arrays.fill(b, 20, b.length, (byte) 0);
            yield b;
          }
        };
    Files.write(next, content);

    try (FileLogStore s = open()) {
      assertThat(s.lastIndex()).isEqualTo(500);
      assertThat(s.hardState()).isEqualTo(new HardState(1, 1, 400));
      // A torn header is first cut off as a torn tail; then the headerless segment is removed.
      assertThat(s.recoveryNotes()).hasSizeBetween(1, 2);
      assertThat(s.recoveryNotes().get(s.recoveryNotes().size() - 1))
          .contains("removed the last segment")
          .contains("no whole header")
          .contains(next.toString());
      assertThat(next).doesNotExist();
      for (int i = 10; i < 20; i++) {
        s.append(entries(i * 50L + 1, 50, 2));
        s.sync();
      }
    }
    try (FileLogStore s = open()) {
      assertThat(s.recoveryNotes()).isEmpty();
      assertThat(s.entries(1, 501, Long.MAX_VALUE)).isEqualTo(entries(1, 500, 1));
      assertThat(s.entries(501, 1001, Long.MAX_VALUE)).isEqualTo(entries(501, 500, 2));
    }
  }

  /**
   * Regression: a segment roll created the next segment while the old one's tail was not yet
   * synced. A power loss can keep the new file and lose that tail, and recovery, which reads every
   * segment but the last strictly, then refused a directory that had lost nothing synced.
   */
  @Test
  void aSegmentRollMakesTheOldSegmentDurableBeforeTheNextOneExists() {
    OperationLog disk = new OperationLog();
    try (FileLogStore s = FileLogStore.open(disk, dir, 7, OPTIONS)) {
      for (int i = 0; i < 10; i++) {
        s.append(entries(i * 50L + 1, 50, 1));
      }
      assertThat(s.wal().segmentCount()).isGreaterThan(2);
    }
    List<String> ops = disk.operations;
    for (int i = 0; i < ops.size(); i++) {
      if (!ops.get(i).startsWith("create ") || !ops.get(i).endsWith(".wal")) {
        continue;
      }
      SegmentName created = SegmentName.parse(ops.get(i).substring(7)).orElseThrow();
      if (created.sequence() == 1) {
        continue;
      }
      String previous = "segment " + (created.sequence() - 1);
      int lastWrite = -1;
      int lastForce = -1;
      for (int j = 0; j < i; j++) {
        String op = ops.get(j);
        SegmentName of = segmentOf(op);
        if (of != null && of.sequence() == created.sequence() - 1) {
          lastWrite = op.startsWith("write ") ? j : lastWrite;
          lastForce = op.startsWith("force ") ? j : lastForce;
        }
      }
      assertThat(lastForce)
          .as("%s is forced after its last write and before %s is created", previous, created)
          .isGreaterThan(lastWrite);
    }
  }

  private static SegmentName segmentOf(String operation) {
    return SegmentName.parse(operation.substring(operation.indexOf(' ') + 1)).orElse(null);
  }

  /** The real disk, logging every create, write and force by file name. */
  private static final class OperationLog extends ForwardingDisk {
    final List<String> operations = new ArrayList<>();

    OperationLog() {
      super(RealDisk.INSTANCE);
    }

    @Override
    public DiskFile open(Path path, boolean create) {
      String name = path.getFileName().toString();
      if (create && !delegate.exists(path)) {
        operations.add("create " + name);
      }
      return new ForwardingDiskFile(delegate.open(path, create)) {
        @Override
        public void write(ByteBuffer src, long position) {
          operations.add("write " + name);
          super.write(src, position);
        }

        @Override
        public void force() {
          operations.add("force " + name);
          super.force();
        }

        @Override
        public void truncate(long size) {
          operations.add("write " + name);
          super.truncate(size);
        }
      };
    }
  }

  @Test
  void segmentsPreparedInTheBackgroundRollByRenameAndLeaveNoSpareBehind() throws Exception {
    java.util.concurrent.ExecutorService preallocator =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      FileLogStore.Options background = OPTIONS.withPreallocator(preallocator);
      try (FileLogStore s = FileLogStore.open(dir, 7, background)) {
        for (int i = 0; i < 30; i++) {
          s.append(entries(i * 50L + 1, 50, 1));
          s.sync();
        }
        assertThat(s.wal().segmentCount()).isGreaterThan(5);
      }
      try (FileLogStore s = FileLogStore.open(dir, 7, background)) {
        assertThat(s.recoveryNotes()).isEmpty();
        assertThat(s.entries(1, 1501, Long.MAX_VALUE)).isEqualTo(entries(1, 1500, 1));
      }
      try (FileLogStore s = open()) {
        assertThat(s.lastIndex()).isEqualTo(1500);
      }
      assertThat(dir.resolve("wal").resolve(WalWriter.SPARE_NAME)).doesNotExist();
    } finally {
      preallocator.shutdownNow();
    }
  }
}
