package io.synod.storage;

import static io.synod.storage.FileLogStoreCrashTest.appendUntilASegmentIsCut;
import static io.synod.storage.FileLogStoreCrashTest.entries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.common.Bytes;
import io.synod.raft.ConfState;
import io.synod.raft.Entry;
import io.synod.raft.HardState;
import io.synod.raft.Snapshot;
import io.synod.raft.SnapshotMeta;
import io.synod.storage.FaultyDisk.CrashMode;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * When the store says something is durable, it is, down to the directory entries; and a failed
 * fsync stops the store for good, leaving a directory that recovers to a consistent prefix.
 */
class FileLogStoreDurabilityTest {
  private static final Path DIR = CrashWorkload.DIR;
  private static final Path WAL = DIR.resolve("wal");
  private static final Path SNAP = DIR.resolve("snap");
  private static final FileLogStore.Options OPTIONS = new FileLogStore.Options(4096, 2);
  private static final ConfState VOTERS = ConfState.ofVoters(List.of(1L, 2L, 3L));

  private static FileLogStore open(FaultyDisk disk) {
    return FileLogStore.open(disk, DIR, CrashWorkload.GROUP, OPTIONS);
  }

  private static void crash(FaultyDisk disk) {
    disk.crash(new SplittableRandom(0), CrashMode.DROP_UNSYNCED);
  }

  private static Path segment(FaultyDisk disk, int i) {
    return WAL.resolve(disk.list(WAL).get(i));
  }

  // ------------------------------------------------------------------ directory entries

  @Test
  void aNewSegmentVanishesInACrashUntilASyncCoversItsDirectory() {
    FaultyDisk disk = new FaultyDisk();
    FileLogStore store = open(disk);
    long cutAt = appendUntilASegmentIsCut(store);
    Path created = segment(disk, 1);
    assertThat(disk.hasUnsyncedChanges(WAL)).isTrue();

    crash(disk);

    assertThat(disk.exists(created)).isFalse();
    assertThat(open(disk).lastIndex()).isEqualTo(cutAt - 1);
  }

  @Test
  void aSyncAcknowledgesRecordsInANewSegmentOnlyOnceItsNameIsDurable() {
    FaultyDisk disk = new FaultyDisk();
    FileLogStore store = open(disk);
    long cutAt = appendUntilASegmentIsCut(store);
    Path created = segment(disk, 1);

    store.sync();

    assertThat(disk.hasUnsyncedChanges(WAL)).isFalse();
    assertThat(disk.hasUnsyncedChanges(created)).isFalse();
    crash(disk);
    assertThat(disk.exists(created)).isTrue();
    assertThat(open(disk).lastIndex()).isEqualTo(cutAt);
  }

  @Test
  void theCrashModelLosesSyncedRecordsWhenDirectorySyncsAreSkipped() {
    // The check above has teeth: with directory syncs planted to do nothing, the same sync
    // returns and the records in the new segment are gone after the crash.
    FaultyDisk disk = new FaultyDisk();
    FileLogStore store = open(disk);
    long cutAt = appendUntilASegmentIsCut(store);
    disk.ignoreDirectorySyncs();

    store.sync();
    crash(disk);

    assertThat(open(disk).lastIndex()).isEqualTo(cutAt - 1);
  }

  @Test
  void aSavedSnapshotIsDurableWhenTheCallReturns() {
    FaultyDisk disk = new FaultyDisk();
    FileLogStore store = open(disk);
    store.append(entries(1, 10, 1));
    store.sync();

    store.saveSnapshot(8, VOTERS, Bytes.utf8("state at 8"));

    assertThat(disk.hasUnsyncedChanges(SNAP)).isFalse();
    crash(disk);
    FileLogStore reopened = open(disk);
    assertThat(reopened.snapshot())
        .isEqualTo(new Snapshot(new SnapshotMeta(8, 1, VOTERS), Bytes.utf8("state at 8")));
    assertThat(reopened.lastIndex()).isEqualTo(10);
    assertThat(disk.list(SNAP)).containsExactly(SnapshotFiles.fileName(1, 8));
  }

  @Test
  void anInstalledSnapshotIsDurableWhenTheCallReturns() {
    FaultyDisk disk = new FaultyDisk();
    FileLogStore store = open(disk);
    store.append(entries(1, 10, 1));
    store.sync();
    Snapshot installed = new Snapshot(new SnapshotMeta(40, 3, VOTERS), Bytes.utf8("leader's"));

    store.installSnapshot(installed);

    crash(disk);
    FileLogStore reopened = open(disk);
    assertThat(reopened.snapshot()).isEqualTo(installed);
    assertThat(reopened.firstIndex()).isEqualTo(41);
    assertThat(reopened.lastIndex()).isEqualTo(40);
  }

  @Test
  void theCrashModelLosesARenamedSnapshotWhenDirectorySyncsAreSkipped() {
    FaultyDisk disk = new FaultyDisk();
    FileLogStore store = open(disk);
    store.append(entries(1, 10, 1));
    store.sync();
    disk.ignoreDirectorySyncs();

    store.saveSnapshot(8, VOTERS, Bytes.utf8("state at 8"));
    crash(disk);

    assertThat(disk.list(SNAP)).isEmpty();
  }

  // ------------------------------------------------------------------ a crash inside a write

  /**
   * Runs {@code write} on a copy of a store once for every disk operation it makes, cutting the
   * power just before that operation, crashes (dropping or keeping unsynced changes) and checks
   * that recovery finds the state before the write or the state after it, nothing in between.
   * Returns the number of disk operations the write and its sync made.
   */
  private static int crashAtEveryOperation(
      Consumer<FileLogStore> setUp, Consumer<FileLogStore> write) {
    FaultyDisk disk = new FaultyDisk();
    FileLogStore store = open(disk);
    setUp.accept(store);
    store.sync();
    LogImage before = LogImage.of(store);
    store.close();
    FaultyDisk done = disk.copy();
    FileLogStore after = open(done);
    write.accept(after);
    after.sync();
    LogImage whole = LogImage.of(after);
    for (int ops = 0; ; ops++) {
      for (CrashMode mode : List.of(CrashMode.DROP_UNSYNCED, CrashMode.KEEP_PREFIX)) {
        FaultyDisk cut = disk.copy();
        FileLogStore s = open(cut);
        cut.powerCutAfter(ops);
        boolean completed;
        try {
          write.accept(s);
          s.sync();
          completed = true;
        } catch (StorageException e) {
          completed = false;
        }
        if (completed) {
          return ops;
        }
        cut.crash(new SplittableRandom(ops), mode);
        FileLogStore recovered = open(cut);
        String asBefore = before.mismatch(recovered, before.snapshot());
        String asAfter = whole.mismatch(recovered, whole.snapshot());
        assertThat(asBefore == null || asAfter == null)
            .as("power cut before operation %d, %s: %s / %s", ops, mode, asBefore, asAfter)
            .isTrue();
        assertThat(cut.list(SNAP)).noneMatch(n -> n.endsWith(".tmp"));
      }
    }
  }

  @Test
  void aCrashAnywhereInsideASnapshotSaveLeavesTheOldSnapshotOrTheNewOne() {
    int operations =
        crashAtEveryOperation(
            s -> s.append(entries(1, 10, 1)), s -> s.saveSnapshot(9, VOTERS, Bytes.utf8("at 9")));

    assertThat(operations).isGreaterThan(4);
  }

  @Test
  void aCrashAnywhereInsideASnapshotInstallLeavesTheOldLogOrTheSnapshot() {
    Snapshot installed = new Snapshot(new SnapshotMeta(30, 2, VOTERS), Bytes.utf8("installed"));
    int operations =
        crashAtEveryOperation(s -> s.append(entries(1, 10, 1)), s -> s.installSnapshot(installed));

    assertThat(operations).isGreaterThan(4);
  }

  @Test
  void aCrashAnywhereInsideACompactionThatReleasesSegmentsKeepsTheLog() {
    int operations =
        crashAtEveryOperation(
            s -> {
              for (long i = 1; s.wal().segmentCount() < 4; i += 10) {
                s.append(entries(i, 10, 1));
                s.sync();
              }
            },
            s -> {
              long index = s.lastIndex() - 5;
              s.saveSnapshot(index, VOTERS, Bytes.utf8("late"));
              int segments = s.wal().segmentCount();
              s.compact(index);
              assertThat(s.wal().segmentCount()).isLessThan(segments);
            });

    assertThat(operations).isGreaterThan(4);
  }

  @Test
  void aCrashAnywhereInsideAnAppendThatStartsASegmentKeepsAPrefix() {
    int operations =
        crashAtEveryOperation(
            s -> {
              for (long i = 1; s.wal().segmentCount() < 2; i += 10) {
                s.append(entries(i, 10, 1));
                s.sync();
              }
            },
            s -> {
              // More than a segment holds: the last segment is sealed and a new one started.
              int segments = s.wal().segmentCount();
              s.append(entries(s.lastIndex() + 1, 100, 1));
              assertThat(s.wal().segmentCount()).isGreaterThan(segments);
            });

    assertThat(operations).isGreaterThan(4);
  }

  // ------------------------------------------------------------------ failed fsync

  private static void assertEveryCallThrows(FileLogStore store) {
    List<ThrowingCallable> calls =
        List.of(
            store::sync,
            () -> store.append(List.of(Entry.normal(1, 30, Bytes.EMPTY))),
            () -> store.setHardState(new HardState(9, 9, 0)),
            () -> store.saveSnapshot(2, VOTERS, Bytes.EMPTY),
            () -> store.compact(1),
            () -> store.installSnapshot(new Snapshot(new SnapshotMeta(99, 9, VOTERS), Bytes.EMPTY)),
            store::hardState,
            store::lastIndex,
            store::firstIndex,
            () -> store.term(1),
            () -> store.entries(1, 2, 100),
            store::snapshot);
    for (ThrowingCallable call : calls) {
      assertThatThrownBy(call)
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("restart the replica");
    }
  }

  @Test
  void afterAFailedFsyncEveryCallThrowsAndNoFsyncIsRetried() {
    FaultyDisk disk = new FaultyDisk();
    FileLogStore store = open(disk);
    store.append(entries(1, 10, 1));
    store.sync();
    store.append(entries(11, 5, 1));
    disk.failForceAfter(0);

    assertThatThrownBy(store::sync)
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("EIO");
    long forces = disk.forceCount();
    assertEveryCallThrows(store);
    assertThat(disk.forceCount()).isEqualTo(forces);
  }

  @Test
  void aFailedSnapshotFsyncStopsTheStore() {
    FaultyDisk disk = new FaultyDisk();
    FileLogStore store = open(disk);
    store.append(entries(1, 10, 1));
    store.sync();
    disk.failForceAfter(0);

    assertThatThrownBy(() -> store.saveSnapshot(5, VOTERS, Bytes.utf8("s")))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("EIO");
    // The snapshot write failed, but the log underneath did not see it: the store must.
    assertEveryCallThrows(store);
  }

  @Test
  void aFailedFsyncWhenASegmentIsSealedStopsTheStore() {
    FaultyDisk disk = new FaultyDisk();
    FileLogStore store = open(disk);
    store.append(entries(1, 10, 1));
    store.sync();
    disk.failForceAfter(0);

    assertThatThrownBy(
            () -> {
              for (long i = 11; ; i += 10) {
                store.append(entries(i, 10, 1));
              }
            })
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("EIO");
    assertEveryCallThrows(store);
  }

  @Test
  void aReopenAfterAFailedFsyncRecoversASyncedPrefixWhateverTheCrashKept() {
    for (CrashMode mode : CrashMode.values()) {
      for (int seed = 0; seed < 40; seed++) {
        FaultyDisk disk = new FaultyDisk();
        FileLogStore store = open(disk);
        store.append(entries(1, 10, 1));
        store.setHardState(new HardState(1, 1, 10));
        store.sync();
        for (long i = 11; i <= 111; i += 10) {
          store.append(entries(i, 10, 2));
        }
        store.setHardState(new HardState(2, 2, 60));
        disk.failForceAfter(seed % 2);
        assertThatThrownBy(store::sync).isInstanceOf(StorageException.class);

        disk.crash(new SplittableRandom(seed), mode);
        FileLogStore recovered;
        try {
          recovered = open(disk);
        } catch (CorruptionException e) {
          assertThat(mode).as(e.getMessage()).isEqualTo(CrashMode.REORDER_PAGES);
          continue;
        }

        String at = mode + " seed " + seed;
        long last = recovered.lastIndex();
        assertThat(last).as(at).isBetween(10L, 120L);
        assertThat(recovered.entries(1, 11, Long.MAX_VALUE)).as(at).isEqualTo(entries(1, 10, 1));
        if (last > 10) {
          assertThat(recovered.entries(11, last + 1, Long.MAX_VALUE))
              .as(at)
              .isEqualTo(entries(11, (int) last - 10, 2));
        }
        assertThat(recovered.hardState())
            .as(at)
            .isIn(new HardState(1, 1, 10), new HardState(2, 2, 60));
        if (recovered.hardState().commit() == 60) {
          assertThat(last).as(at).isEqualTo(120);
        }
      }
    }
  }
}
