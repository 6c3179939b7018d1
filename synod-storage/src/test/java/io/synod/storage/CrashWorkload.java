package io.synod.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.common.Bytes;
import io.synod.raft.ConfState;
import io.synod.raft.Entry;
import io.synod.raft.HardState;
import io.synod.raft.Snapshot;
import io.synod.raft.SnapshotMeta;
import io.synod.storage.FaultyDisk.CrashMode;
import io.synod.storage.WalCodec.Decoded;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;

/**
 * Random, Raft-valid writes against a {@link FileLogStore} on a {@link FaultyDisk}, crashes, and
 * the check of every recovery against what the writes allow.
 *
 * <p>The workload appends (sometimes replacing a suffix above the commit index, as a new leader's
 * entries do), writes hard states, syncs, saves snapshots and compacts, and installs snapshots,
 * under the rules Raft keeps: committed entries are never replaced, snapshots cover committed
 * entries, an installed snapshot lies beyond the commit index. It remembers the image after every
 * write ({@link LogImage}), how many writes the last successful sync covered, and every snapshot
 * (durable when its call returns).
 *
 * <p>After a crash the recovered store must equal the image after some prefix of the writes that
 * includes every synced one (the last surviving append possibly cut to a prefix of its entries),
 * with the newest snapshot file, and {@link FileLogStore#recoveryNotes()} must mention a torn tail
 * exactly when the crash cut a record of the log short.
 *
 * <p>Not thread-safe; every random choice comes from the generator it is given.
 */
final class CrashWorkload {
  static final Path DIR = Path.of("/var/lib/synod/group-7");
  static final long GROUP = 7;
  private static final ConfState VOTERS = ConfState.ofVoters(List.of(1L, 2L, 3L));

  private final FaultyDisk disk;
  private final RandomGenerator random;
  private final FileLogStore.Options options;
  private FileLogStore store;

  /** images.get(k) is the image after the first k writes of this incarnation. */
  private final List<LogImage> images = new ArrayList<>();

  /** The entries of each write that was an append, else null (same positions as writes). */
  private final List<List<Entry>> appended = new ArrayList<>();

  private int syncedWrites;
  private Snapshot newestSnapshot = Snapshot.EMPTY;
  private final List<Snapshot> maybeSnapshots = new ArrayList<>();
  private boolean failed;
  private long stepsTaken;
  private long term = 1;
  private final Coverage coverage;

  CrashWorkload(
      FaultyDisk disk, RandomGenerator random, FileLogStore.Options options, Coverage coverage) {
    this.disk = disk;
    this.random = random;
    this.options = options;
    this.coverage = coverage;
  }

  /**
   * How often the workloads reached the states worth reaching, so a test can show it does: a crash
   * test that never tears a record or never releases a segment proves nothing about them.
   */
  static final class Coverage {
    private final TreeMap<String, Long> counts = new TreeMap<>();

    void count(String what) {
      counts.merge(what, 1L, Long::sum);
    }

    long get(String what) {
      return counts.getOrDefault(what, 0L);
    }

    @Override
    public String toString() {
      return counts.toString();
    }
  }

  /** Opens the store for the first time, on an empty disk. */
  CrashWorkload start() {
    store = FileLogStore.open(disk, DIR, GROUP, options);
    assertThat(store.lastIndex()).isZero();
    beginIncarnation(LogImage.EMPTY);
    return this;
  }

  // ------------------------------------------------------------------ writes

  /**
   * Runs up to {@code steps} random writes and syncs; stops early when the disk fails (a planned
   * power cut or fsync failure), after checking that the store is fail-stop.
   */
  void run(int steps) {
    for (int i = 0; i < steps && !failed; i++) {
      step();
      if (!failed && !disk.poweredOff() && ++stepsTaken % 3 == 0) {
        // Reads between crashes too: entries spilled from memory come back from the log.
        assertThat(images.get(images.size() - 1).mismatch(store, store.snapshot()))
            .as("the live store against every write so far")
            .isNull();
        if (store.entriesReadBack() > 0) {
          coverage.count("entries read back from the log");
        }
      }
    }
  }

  private void step() {
    int roll = random.nextInt(100);
    if (roll < 40) {
      appendEntries(false);
    } else if (roll < 50) {
      appendEntries(true);
    } else if (roll < 62) {
      writeHardState();
    } else if (roll < 80) {
      sync();
    } else if (roll < 88) {
      saveSnapshot();
    } else if (roll < 95) {
      compact();
    } else {
      installSnapshot();
    }
  }

  private long commit() {
    return store.hardState().commit();
  }

  private void appendEntries(boolean conflicting) {
    long last = store.lastIndex();
    long floor = Math.max(commit(), store.snapshotMeta().index());
    long from = last + 1;
    if (conflicting && floor < last) {
      from = floor + 1 + random.nextLong(last - floor);
      term++;
      coverage.count("suffix replaced");
    }
    term = Math.max(term, store.term(from - 1));
    int count = 1 + random.nextInt(random.nextInt(10) < 8 ? 6 : 40);
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      entries.add(Entry.normal(term, from + i, payload(random.nextInt(160))));
    }
    write(img -> img.append(entries), entries);
    call(() -> store.append(entries));
  }

  private void writeHardState() {
    if (random.nextInt(10) == 0) {
      term++;
    }
    long commit = commit() + random.nextLong(store.lastIndex() - commit() + 1);
    HardState hs = new HardState(term, random.nextInt(4), commit);
    write(img -> img.withHardState(hs), null);
    call(() -> store.setHardState(hs));
  }

  private void sync() {
    int covered = images.size() - 1;
    call(() -> store.sync());
    if (!failed) {
      syncedWrites = covered;
    }
  }

  private void saveSnapshot() {
    long from = store.snapshotMeta().index();
    if (commit() <= from) {
      return;
    }
    long index = from + 1 + random.nextLong(commit() - from);
    if (random.nextBoolean()) {
      // Just before a segment's first index: compaction can then delete the snapshot's own entry.
      for (String name : disk.list(DIR.resolve("wal"))) {
        long boundary = SegmentName.parse(name).map(n -> n.firstIndex() - 1).orElse(0L);
        if (boundary > from && boundary <= commit()) {
          index = boundary;
        }
      }
    }
    long at = index;
    Bytes data = payload(random.nextInt(300));
    Snapshot s = new Snapshot(new SnapshotMeta(at, store.term(at), VOTERS), data);
    write(img -> img.withSavedSnapshot(s), null);
    snapshotCall(s, () -> store.saveSnapshot(at, VOTERS, data));
    if (!failed && random.nextBoolean()) {
      compact(at); // as a replica loop does once its state machine took a snapshot
    }
  }

  private void compact() {
    long snap = store.snapshotMeta().index();
    if (store.firstIndex() > snap) {
      return;
    }
    compact(
        random.nextBoolean()
            ? snap
            : store.firstIndex() + random.nextLong(snap - store.firstIndex() + 1));
  }

  private void compact(long index) {
    write(img -> img.compactedTo(index), null);
    int segments = store.wal().segmentCount();
    call(() -> store.compact(index));
    if (!failed && store.wal().segmentCount() < segments) {
      coverage.count("segments released");
    }
  }

  private void installSnapshot() {
    long floor = Math.max(commit(), store.snapshotMeta().index());
    long index = floor + 1 + random.nextInt(60);
    long snapTerm;
    if (index <= store.lastIndex() && random.nextBoolean()) {
      snapTerm = store.term(index);
    } else {
      snapTerm = ++term;
    }
    Snapshot s = new Snapshot(new SnapshotMeta(index, snapTerm, VOTERS), payload(200));
    write(img -> img.withInstalledSnapshot(s), null);
    snapshotCall(s, () -> store.installSnapshot(s));
  }

  /** Records a write before it is made: if the disk fails during it, it may or may not survive. */
  private void write(UnaryOperator<LogImage> change, List<Entry> entries) {
    images.add(change.apply(images.get(images.size() - 1)));
    appended.add(entries);
  }

  private void snapshotCall(Snapshot s, Runnable call) {
    maybeSnapshots.add(s);
    call(call);
    if (!failed) {
      maybeSnapshots.clear();
      newestSnapshot = s;
    }
  }

  private void call(Runnable call) {
    try {
      call.run();
    } catch (StorageException e) {
      coverage.count(disk.poweredOff() ? "power cut during a write" : "failed fsync");
      failed = true;
      assertThat(e).isNotInstanceOf(CorruptionException.class);
      assertFailStop();
    }
  }

  /** After a failed write or fsync, every call throws, and nothing is retried. */
  private void assertFailStop() {
    long forces = disk.forceCount();
    assertThatThrownBy(() -> store.sync()).isInstanceOf(StorageException.class);
    long next = images.get(images.size() - 1).lastIndex() + 1;
    assertThatThrownBy(() -> store.append(List.of(Entry.normal(term, next, payload(3)))))
        .isInstanceOf(StorageException.class);
    assertThatThrownBy(() -> store.setHardState(HardState.EMPTY))
        .isInstanceOf(StorageException.class);
    assertThatThrownBy(() -> store.lastIndex()).isInstanceOf(StorageException.class);
    assertThat(disk.forceCount()).as("fsyncs after a failure").isEqualTo(forces);
  }

  private Bytes payload(int size) {
    byte[] b = new byte[size];
    random.nextBytes(b);
    return Bytes.wrapOwned(b);
  }

  // ------------------------------------------------------------------ crash and recovery

  /**
   * Crashes the disk in {@code mode}, maybe cutting the power again during recovery, reopens and
   * checks what recovery found; returns false if recovery refused (only allowed after {@link
   * CrashMode#REORDER_PAGES}), true if the workload can go on.
   */
  boolean crashAndRecover(CrashMode mode) {
    disk.crash(random, mode);
    List<FaultyDisk.TornWrite> tears = disk.lastTears();
    boolean notesKnown = mode != CrashMode.REORDER_PAGES;
    FileLogStore recovered = null;
    if (random.nextInt(4) == 0) {
      disk.powerCutAfter(random.nextInt(6));
      try {
        recovered = FileLogStore.open(disk, DIR, GROUP, options);
        disk.powerCutAfter(-1);
        if (disk.poweredOff()) {
          // The power went with recovery's last write: the process dies with it, though open
          // returned (and its store may need the disk to read entries back).
          throw new StorageException("the power went as recovery ended");
        }
      } catch (CorruptionException e) {
        return refused(mode, e);
      } catch (StorageException e) {
        recovered = null;
        assertThat(disk.poweredOff()).as("only the power cut may fail recovery: " + e).isTrue();
        // Recovery may have repaired part of the damage before the power went.
        disk.crash(random, CrashMode.DROP_UNSYNCED);
        notesKnown = false;
        coverage.count("power cut during recovery");
      }
    }
    if (recovered == null) {
      try {
        recovered = FileLogStore.open(disk, DIR, GROUP, options);
      } catch (CorruptionException e) {
        return refused(mode, e);
      }
    }
    check(recovered, mode);
    coverage.count("recovered after " + mode);
    for (String note : recovered.recoveryNotes()) {
      coverage.count(
          note.contains("torn tail")
              ? "torn tail cut"
              : note.contains("restarted the log")
                  ? "log restarted after a newer snapshot"
                  : note.contains("no whole header") ? "empty last segment removed" : note);
    }
    if (notesKnown) {
      boolean torn = tears.stream().anyMatch(CrashWorkload::cutARecordOfTheLog);
      assertThat(recovered.recoveryNotes().stream().anyMatch(n -> n.contains("torn tail")))
          .as("torn tail reported, after tears %s: %s", tears, recovered.recoveryNotes())
          .isEqualTo(torn);
    }
    // What recovery found is durable: a crash right after it changes nothing.
    LogImage found = LogImage.of(recovered);
    disk.crash(random, CrashMode.DROP_UNSYNCED);
    store = FileLogStore.open(disk, DIR, GROUP, options);
    assertThat(store.recoveryNotes()).isEmpty();
    assertThat(found.mismatch(store, recovered.snapshot())).isNull();
    beginIncarnation(found);
    return true;
  }

  private boolean refused(CrashMode mode, CorruptionException e) {
    assertThat(mode).as("recovery refused: " + e.getMessage()).isEqualTo(CrashMode.REORDER_PAGES);
    coverage.count("recovery refused after reordered pages");
    return false;
  }

  private void check(FileLogStore recovered, CrashMode mode) {
    List<Snapshot> snapshots = new ArrayList<>(maybeSnapshots);
    snapshots.add(newestSnapshot);
    List<String> why = new ArrayList<>();
    for (Snapshot snap : snapshots) {
      for (int k = syncedWrites; k < images.size(); k++) {
        for (LogImage candidate : candidates(k)) {
          String mismatch = candidate.mismatch(recovered, snap);
          if (mismatch == null) {
            countMatch(k, candidate, snap);
            return;
          }
          why.add("after " + k + " writes: " + mismatch);
        }
      }
    }
    throw new AssertionError(
        "after a "
            + mode
            + " crash the store recovered "
            + LogImage.of(recovered)
            + ", which no prefix of the "
            + (images.size() - 1)
            + " writes ("
            + syncedWrites
            + " synced) gives: "
            + why.subList(Math.max(0, why.size() - 6), why.size()));
  }

  private void countMatch(int k, LogImage matched, Snapshot snap) {
    if (k > syncedWrites) {
      coverage.count("unsynced writes kept");
    }
    if (k < images.size() - 1) {
      coverage.count("unsynced writes lost");
    }
    if (matched != images.get(k)) {
      coverage.count("append cut to a prefix of its entries");
    }
    if (maybeSnapshots.contains(snap)) {
      coverage.count("snapshot of a failed call survived");
    }
  }

  /** The image after {@code k} writes, and those with write k+1, an append, cut short. */
  private List<LogImage> candidates(int k) {
    List<LogImage> out = new ArrayList<>();
    out.add(images.get(k));
    if (k < appended.size() && appended.get(k) != null) {
      List<Entry> entries = appended.get(k);
      for (int j = 1; j < entries.size(); j++) {
        out.add(images.get(k).append(entries.subList(0, j)));
      }
    }
    return out;
  }

  private void beginIncarnation(LogImage base) {
    images.clear();
    appended.clear();
    images.add(base);
    syncedWrites = 0;
    newestSnapshot = base.snapshot();
    maybeSnapshots.clear();
    failed = false;
    coverage.count("incarnations");
    term = Math.max(term, Math.max(base.hardState().term(), base.termAt(base.lastIndex())));
    if (random.nextInt(4) == 0) {
      disk.powerCutAfter(random.nextInt(200));
    } else if (random.nextInt(6) == 0) {
      disk.failForceAfter(random.nextInt(20));
    }
  }

  /**
   * Whether a torn write cut a record of the log short, leaving some of its bytes (not all zero):
   * only then can recovery see, and must report, a torn tail.
   */
  static boolean cutARecordOfTheLog(FaultyDisk.TornWrite tear) {
    if (!tear.file().toString().endsWith(SegmentName.SUFFIX)) {
      return false;
    }
    ByteBuffer b = ByteBuffer.wrap(tear.bytes());
    int at = 0;
    while (at < tear.kept()) {
      Decoded d = WalCodec.decode(b.duplicate().position(at));
      if (!(d instanceof Decoded.Valid v)) {
        return false;
      }
      if (at + v.bytes() > tear.kept()) {
        for (int i = at; i < tear.kept(); i++) {
          if (tear.bytes()[i] != 0) {
            return true;
          }
        }
        return false;
      }
      at += v.bytes();
    }
    return false;
  }
}
