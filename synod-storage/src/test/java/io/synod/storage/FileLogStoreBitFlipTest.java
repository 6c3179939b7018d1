package io.synod.storage;

import static io.synod.storage.FileLogStoreCrashTest.entries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.synod.common.Bytes;
import io.synod.raft.ConfState;
import io.synod.raft.Entry;
import io.synod.raft.HardState;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Damage to synced data is never mistaken for a torn tail: any single flipped bit in a synced
 * segment or in the snapshot file makes recovery refuse, naming the file and an offset at or before
 * the damage, rather than start with wrong or missing data. Only the zeros after the last record of
 * the last segment, which hold nothing, may be cut off as a torn tail.
 */
class FileLogStoreBitFlipTest {
  private static final Path DIR = CrashWorkload.DIR;
  private static final Path WAL = DIR.resolve("wal");
  private static final long GROUP = CrashWorkload.GROUP;
  private static final FileLogStore.Options OPTIONS = new FileLogStore.Options(4096, 2);
  private static final HardState STATE = new HardState(2, 1, 6);

  private static FileLogStore open(FaultyDisk disk) {
    return FileLogStore.open(disk, DIR, GROUP, OPTIONS);
  }

  private static List<Path> segments(FaultyDisk disk) {
    return disk.list(WAL).stream().map(WAL::resolve).toList();
  }

  /** The offset just past the last non-zero byte of {@code file}. */
  private static int writtenEnd(FaultyDisk disk, Path file) {
    byte[] b = disk.read(file);
    int end = b.length;
    while (end > 0 && b[end - 1] == 0) {
      end--;
    }
    return end;
  }

  /** A small synced log in one segment: header, hard state, entries with varied payloads. */
  private static FaultyDisk smallLog() {
    FaultyDisk disk = new FaultyDisk();
    try (FileLogStore store = open(disk)) {
      store.setHardState(STATE);
      store.append(entries(1, 3, 1));
      store.append(List.of(Entry.normal(2, 4, Bytes.EMPTY)));
      store.append(entries(5, 3, 2));
      store.sync();
    }
    return disk;
  }

  /** Flips one bit of a copy of {@code disk} and checks that recovery refuses to start. */
  private static void assertRefused(FaultyDisk disk, Path file, int offset, int bit) {
    FaultyDisk damaged = disk.copy();
    damaged.flipBit(file, offset, bit);
    try {
      FileLogStore s = open(damaged);
      fail(
          "a flipped bit %d at offset %d of %s was accepted: %s, notes %s",
          bit, offset, file, LogImage.of(s), s.recoveryNotes());
    } catch (CorruptionException e) {
      assertThat(e.file()).isEqualTo(file);
      assertThat(e.offset()).isBetween(0L, (long) offset);
      assertThat(e.getMessage()).contains(file.toString()).contains("at offset " + e.offset());
    }
  }

  @Test
  void everyFlippedBitOfASyncedSegmentIsRefused() {
    FaultyDisk disk = smallLog();
    Path segment = segments(disk).get(0);
    int end = writtenEnd(disk, segment);
    assertThat(end).isGreaterThan(300);

    for (int offset = 0; offset < end; offset++) {
      for (int bit = 0; bit < 8; bit++) {
        assertRefused(disk, segment, offset, bit);
      }
    }
  }

  @Test
  void flippedBitsInSealedSegmentsAndInPreamblesAreRefused() {
    FaultyDisk disk = new FaultyDisk();
    try (FileLogStore store = open(disk)) {
      store.setHardState(STATE);
      for (long i = 1; store.wal().segmentCount() < 3; i += 10) {
        store.append(entries(i, 10, 2));
        store.sync();
      }
      store.saveSnapshot(6, ConfState.ofVoters(List.of(1L)), Bytes.utf8("state"));
      store.sync();
    }
    for (Path segment : segments(disk)) {
      int end = writtenEnd(disk, segment);
      for (int offset = 0; offset < end; offset++) {
        assertRefused(disk, segment, offset, offset % 8);
      }
    }
  }

  @Test
  void aDamagedRecordWithAZeroSectorIsRefusedWhenRecordsFollowIt() {
    FaultyDisk disk = new FaultyDisk();
    try (FileLogStore store = open(disk)) {
      store.append(entries(1, 3, 1));
      // A payload of zeros holds whole zero sectors, which alone would make the record look torn.
      store.append(List.of(Entry.normal(1, 4, Bytes.wrapOwned(new byte[1100]))));
      store.append(entries(5, 2, 1));
      store.sync();
    }
    Path segment = segments(disk).get(0);
    int end = writtenEnd(disk, segment);

    for (int offset = 0; offset < end; offset++) {
      assertRefused(disk, segment, offset, offset % 8);
    }
  }

  @Test
  void aFlippedBitInTheZerosOfASealedSegmentIsRefused() {
    FaultyDisk disk = new FaultyDisk();
    try (FileLogStore store = open(disk)) {
      for (long i = 1; store.wal().segmentCount() < 2; i += 10) {
        store.append(entries(i, 10, 2));
        store.sync();
      }
    }
    Path sealed = segments(disk).get(0);
    int end = writtenEnd(disk, sealed);
    int size = disk.read(sealed).length;

    for (int offset : List.of(end, end + 1, end + 8, end + 9, size - 1)) {
      if (offset < size) {
        assertRefused(disk, sealed, offset, 3);
      }
    }
  }

  @Test
  void aFlippedBitInTheZerosAfterTheLastRecordIsCutOffAsATornTail() {
    FaultyDisk disk = smallLog();
    Path segment = segments(disk).get(0);
    int end = writtenEnd(disk, segment);
    int size = disk.read(segment).length;

    for (int offset : List.of(end, end + 3, end + 8, end + 9, end + 700, size - 1)) {
      for (int bit = 0; bit < 8; bit++) {
        FaultyDisk damaged = disk.copy();
        damaged.flipBit(segment, offset, bit);

        // The documented rule: the last segment's tail after its records was never synced data,
        // so a stray bit there reads as the start of a torn write and is cut off, and said.
        FileLogStore recovered = open(damaged);

        assertThat(recovered.hardState()).isEqualTo(STATE);
        assertThat(recovered.lastIndex()).isEqualTo(7);
        assertThat(recovered.entries(5, 8, Long.MAX_VALUE)).isEqualTo(entries(5, 3, 2));
        assertThat(recovered.recoveryNotes())
            .singleElement()
            .asString()
            .contains("torn tail")
            .contains(segment.toString());
        recovered.close();
        assertThat(open(damaged).recoveryNotes()).isEmpty();
      }
    }
  }

  @Test
  void everyFlippedBitOfTheSnapshotFileIsRefused() {
    FaultyDisk disk = new FaultyDisk();
    try (FileLogStore store = open(disk)) {
      store.append(entries(1, 8, 1));
      store.setHardState(new HardState(1, 1, 8));
      store.saveSnapshot(7, ConfState.of(List.of(1L, 2L, 3L), List.of(4L)), Bytes.utf8("image"));
      store.sync();
    }
    Path snapshot = DIR.resolve("snap").resolve(SnapshotFiles.fileName(1, 7));
    int size = disk.read(snapshot).length;

    for (int offset = 0; offset < size; offset++) {
      for (int bit = 0; bit < 8; bit++) {
        FaultyDisk damaged = disk.copy();
        damaged.flipBit(snapshot, offset, bit);
        try {
          FileLogStore s = open(damaged);
          fail(
              "a flipped bit %d at %d of the snapshot was accepted: %s", bit, offset, s.snapshot());
        } catch (CorruptionException e) {
          assertThat(e.file()).isEqualTo(snapshot);
          assertThat(e.getMessage()).contains(snapshot.toString()).contains("at offset");
        }
      }
    }
  }
}
