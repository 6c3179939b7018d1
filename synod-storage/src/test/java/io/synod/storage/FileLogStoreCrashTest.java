package io.synod.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import io.synod.raft.ConfState;
import io.synod.raft.Entry;
import io.synod.raft.HardState;
import io.synod.raft.Snapshot;
import io.synod.raft.SnapshotMeta;
import io.synod.storage.FaultyDisk.CrashMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Crashes of every kind at random points of random workloads, over a fixed set of seeds, and one
 * scenario for each crash-consistency bug these tests found.
 */
class FileLogStoreCrashTest {
  private static final Path DIR = CrashWorkload.DIR;
  private static final Path WAL = DIR.resolve("wal");
  private static final FileLogStore.Options SMALL_SEGMENTS = new FileLogStore.Options(4096, 2);

  /** Payload bytes kept in memory, by seed: none, a few entries' worth, all of them. */
  private static final long[] ENTRY_BYTES = {0, 500, 1 << 20};

  private static final ConfState VOTERS = ConfState.ofVoters(List.of(1L, 2L, 3L));

  static List<Entry> entries(long from, int count, long term) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(Entry.normal(term, from + i, Bytes.utf8("entry " + (from + i) + " of term " + term)));
    }
    return out;
  }

  private static FileLogStore open(FaultyDisk disk) {
    return FileLogStore.open(disk, DIR, CrashWorkload.GROUP, SMALL_SEGMENTS);
  }

  private static void crash(FaultyDisk disk) {
    disk.crash(new SplittableRandom(0), CrashMode.DROP_UNSYNCED);
  }

  private static List<Path> segments(FaultyDisk disk) {
    return disk.list(WAL).stream().map(WAL::resolve).toList();
  }

  @Test
  void randomWorkloadsRecoverFromEveryKindOfCrashAndReachEveryInterestingState() {
    CrashWorkload.Coverage coverage = new CrashWorkload.Coverage();
    CrashMode[] modes = CrashMode.values();
    for (long seed = 0; seed < 300; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      long segmentBytes = 4096L << (seed % 3);
      // Half the seeds prepare the next segment as a spare (here in line, so crashes can hit it).
      // A third of the seeds keep no payload in memory, a third a few entries' worth: reads of
      // older entries go to the log.
      FileLogStore.Options options =
          new FileLogStore.Options(
              segmentBytes, 2, seed % 2 == 0 ? null : Runnable::run, ENTRY_BYTES[(int) (seed % 3)]);
      CrashWorkload workload =
          new CrashWorkload(new FaultyDisk(), random, options, coverage).start();
      boolean recovered = true;
      for (int crash = 0; crash < 6 && recovered; crash++) {
        workload.run(random.nextInt(120));
        recovered = workload.crashAndRecover(modes[random.nextInt(modes.length)]);
      }
    }

    // Without these the test above would prove little: each one happened at least once.
    for (String reached :
        List.of(
            "recovered after DROP_UNSYNCED",
            "entries read back from the log",
            "recovered after KEEP_PREFIX",
            "recovered after TEAR",
            "recovered after REORDER_PAGES",
            "unsynced writes kept",
            "unsynced writes lost",
            "append cut to a prefix of its entries",
            "torn tail cut",
            "empty last segment removed",
            "log restarted after a newer snapshot",
            "segments released",
            "suffix replaced",
            "failed fsync",
            "power cut during a write",
            "power cut during recovery",
            "snapshot of a failed call survived")) {
      assertThat(coverage.get(reached)).as(reached + " in " + coverage).isPositive();
    }
  }

  // ------------------------------------------------------------------ one scenario per bug found

  @Test
  void aSegmentIsSyncedWhenItIsSealedSoACrashCannotKeepTheNextOneWithoutIt() {
    FaultyDisk disk = new FaultyDisk();
    FileLogStore store = open(disk);
    store.append(entries(1, 5, 1));
    store.sync();
    long index = 6;
    while (store.wal().segmentCount() == 1) {
      store.append(entries(index, 10, 1));
      index += 10;
    }

    // Nothing was synced since the first five entries, but the sealed segment is durable whole:
    // only the last segment may lose a tail, as recovery assumes.
    List<Path> segments = segments(disk);
    assertThat(segments).hasSize(2);
    assertThat(disk.pendingWrites(segments.get(0))).isEmpty();
  }

  @Test
  void anInstalledSnapshotFollowedBySeveralSegmentsReopens() {
    FaultyDisk disk = new FaultyDisk();
    FileLogStore store = open(disk);
    store.append(entries(1, 5, 1));
    Snapshot installed = new Snapshot(new SnapshotMeta(100, 2, VOTERS), Bytes.utf8("state"));
    store.installSnapshot(installed);
    for (long i = 101; store.wal().segmentCount() < 4; i += 20) {
      store.append(entries(i, 20, 2));
    }
    long last = store.lastIndex();
    store.sync();
    store.close();

    // Each later segment's preamble repeats the snapshot record; replayed as an install it
    // dropped the entries before it ("entry ... does not follow the snapshot at 100").
    FileLogStore reopened = open(disk);

    assertThat(reopened.snapshot()).isEqualTo(installed);
    assertThat(reopened.firstIndex()).isEqualTo(101);
    assertThat(reopened.lastIndex()).isEqualTo(last);
  }

  /** Appends synced entries one by one until one starts a new segment; returns its index. */
  static long appendUntilASegmentIsCut(FileLogStore store) {
    long index = store.lastIndex() + 1;
    int segments = store.wal().segmentCount();
    while (true) {
      store.append(entries(index, 1, 1));
      if (store.wal().segmentCount() > segments) {
        return index;
      }
      store.sync();
      index++;
    }
  }

  @Test
  void aSegmentCreatedJustBeforeACrashWithoutItsHeaderIsRemoved() {
    FaultyDisk disk = new FaultyDisk();
    FileLogStore store = open(disk);
    long cutAt = appendUntilASegmentIsCut(store);
    Path last = segments(disk).get(1);
    // The new segment's name and size reached the disk, none of its writes did.
    disk.crashTearing(last, 0, 0);

    FileLogStore reopened = open(disk);

    assertThat(reopened.lastIndex()).isEqualTo(cutAt - 1);
    assertThat(reopened.recoveryNotes()).singleElement().asString().contains("no whole header");
    assertThat(disk.exists(last)).isFalse();
    reopened.append(entries(cutAt, 30, 1));
    reopened.sync();
    crash(disk);
    assertThat(open(disk).lastIndex()).isEqualTo(cutAt + 29);
  }

  @Test
  void aNewDataDirectorySurvivesACrashOnceTheFirstSyncReturns() {
    FaultyDisk disk = new FaultyDisk();
    FileLogStore store = open(disk);
    store.append(entries(1, 3, 1));
    store.setHardState(new HardState(1, 1, 2));
    store.sync();

    // The store's directory /var/lib/synod/group-7 was new: unless its parents were synced, the
    // whole store vanished in a crash, synced entries and all.
    crash(disk);
    FileLogStore reopened = open(disk);

    assertThat(reopened.lastIndex()).isEqualTo(3);
    assertThat(reopened.hardState()).isEqualTo(new HardState(1, 1, 2));
  }

  @Test
  void aSnapshotNewerThanTheSurvivingLogIsRecordedSoLaterEntriesFollowIt() {
    FaultyDisk disk = new FaultyDisk();
    FileLogStore store = open(disk);
    store.append(entries(1, 10, 1));
    store.sync();
    store.append(entries(11, 10, 1));
    store.saveSnapshot(15, VOTERS, Bytes.utf8("state at 15"));
    crash(disk);

    // The snapshot file is durable, entries 11..20 and the snapshot's log record are not.
    FileLogStore recovered = open(disk);
    assertThat(recovered.snapshotMeta().index()).isEqualTo(15);
    assertThat(recovered.lastIndex()).isEqualTo(15);
    assertThat(recovered.recoveryNotes())
        .singleElement()
        .asString()
        .contains("restarted the log after it");
    recovered.append(entries(16, 5, 2));
    recovered.sync();
    crash(disk);

    // Without a record of the restart, entry 16 followed entry 10 in the log: a gap, refused.
    FileLogStore again = open(disk);
    assertThat(again.recoveryNotes()).isEmpty();
    assertThat(again.lastIndex()).isEqualTo(20);
    assertThat(again.entries(16, 21, Long.MAX_VALUE)).isEqualTo(entries(16, 5, 2));
  }

  @Test
  void theFirstAppendAfterARestartSealsAFullSegment() {
    FaultyDisk disk = new FaultyDisk();
    FileLogStore store = open(disk);
    long last = appendUntilASegmentIsCut(store) - 1;
    store.sync();
    store.close();
    long segmentBytes = disk.read(segments(disk).get(0)).length;

    FileLogStore reopened = open(disk);
    reopened.append(entries(last + 2, 100, 1));

    // It went into a new segment: the resumed one did not grow past its preallocated size.
    assertThat(reopened.wal().segmentCount()).isEqualTo(3);
    assertThat(disk.read(segments(disk).get(1)).length).isEqualTo(segmentBytes);
  }

  @Test
  void releasingTheSegmentThatHoldsTheSnapshotsEntryKeepsTheSyncedEntriesAfterIt() {
    FaultyDisk disk = new FaultyDisk();
    FileLogStore store = open(disk);
    long snapshotIndex = appendUntilASegmentIsCut(store) - 1;
    store.append(entries(snapshotIndex + 2, 20, 1));
    store.setHardState(new HardState(1, 1, snapshotIndex));
    store.sync();
    long last = store.lastIndex();

    // A snapshot exactly at the last entry of the first segment, which compaction then deletes:
    // afterwards only the snapshot record vouches for the snapshot's term.
    store.saveSnapshot(snapshotIndex, VOTERS, Bytes.utf8("state"));
    store.compact(snapshotIndex);
    assertThat(store.wal().segmentCount()).isEqualTo(1);
    store.append(entries(last + 1, 1, 1));
    // The deletion reached the disk; the log's unsynced writes did not.
    disk.crashTearing(segments(disk).get(0), 0, 0);

    FileLogStore recovered = open(disk);

    assertThat(recovered.snapshotMeta().index()).isEqualTo(snapshotIndex);
    assertThat(recovered.lastIndex()).isEqualTo(last);
    assertThat(recovered.entries(snapshotIndex + 1, last + 1, Long.MAX_VALUE))
        .isEqualTo(entries(snapshotIndex + 1, (int) (last - snapshotIndex), 1));
  }
}
