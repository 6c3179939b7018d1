package io.synod.storage;

import io.synod.raft.Entry;
import io.synod.raft.HardState;
import io.synod.raft.LogStore;
import io.synod.raft.Snapshot;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a store holds after some sequence of writes, as the crash tests' reference: the hard state,
 * the snapshot, the compaction point and the whole log since the last installed snapshot (compacted
 * entries included, so a recovery that keeps a few more of them can still be checked). Immutable;
 * each write returns a new image.
 *
 * @param logStart the index the log starts after (an installed snapshot's, or 0)
 * @param logStartTerm the term at {@code logStart}
 * @param log entries {@code logStart + 1 ..}, by index
 */
record LogImage(
    HardState hardState,
    Snapshot snapshot,
    long compactedIndex,
    long logStart,
    long logStartTerm,
    TreeMap<Long, Entry> log) {

  static final LogImage EMPTY =
      new LogImage(HardState.EMPTY, Snapshot.EMPTY, 0, 0, 0, new TreeMap<>());

  /** The image of what {@code store} holds now (its compacted entries are unknown). */
  static LogImage of(LogStore store) {
    TreeMap<Long, Entry> log = new TreeMap<>();
    if (store.firstIndex() <= store.lastIndex()) {
      for (Entry e : store.entries(store.firstIndex(), store.lastIndex() + 1, Long.MAX_VALUE)) {
        log.put(e.index(), e);
      }
    }
    long start = store.firstIndex() - 1;
    return new LogImage(store.hardState(), store.snapshot(), start, start, store.term(start), log);
  }

  long lastIndex() {
    return log.isEmpty() ? logStart : log.lastKey();
  }

  long firstIndex() {
    return compactedIndex + 1;
  }

  /** The entry at {@code index}, or null if this image does not know one. */
  Entry entry(long index) {
    return log.get(index);
  }

  /** The term at {@code index} as this image knows it, or -1. */
  long termAt(long index) {
    if (index == logStart) {
      return logStartTerm;
    }
    if (index == snapshot.index()) {
      return snapshot.term();
    }
    Entry e = log.get(index);
    return e == null ? -1 : e.term();
  }

  LogImage append(List<Entry> entries) {
    TreeMap<Long, Entry> next = new TreeMap<>(log.headMap(entries.get(0).index(), false));
    entries.forEach(e -> next.put(e.index(), e));
    return new LogImage(hardState, snapshot, compactedIndex, logStart, logStartTerm, next);
  }

  LogImage withHardState(HardState state) {
    return new LogImage(state, snapshot, compactedIndex, logStart, logStartTerm, log);
  }

  LogImage withSavedSnapshot(Snapshot s) {
    return new LogImage(hardState, s, compactedIndex, logStart, logStartTerm, log);
  }

  LogImage compactedTo(long index) {
    return index <= compactedIndex
        ? this
        : new LogImage(hardState, snapshot, index, logStart, logStartTerm, log);
  }

  LogImage withInstalledSnapshot(Snapshot s) {
    return new LogImage(hardState, s, s.index(), s.index(), s.term(), new TreeMap<>());
  }

  /**
   * Why {@code recovered} is not what a store holding this image, whose newest snapshot file is
   * {@code newestSnapshot}, may recover; null if it is. Recovery may compact up to the snapshot,
   * and if the snapshot file is newer than the log it may drop a log that does not vouch for it.
   */
  String mismatch(LogStore recovered, Snapshot newestSnapshot) {
    if (!recovered.snapshot().equals(newestSnapshot)) {
      return "snapshot " + recovered.snapshotMeta() + ", expected " + newestSnapshot.meta();
    }
    if (!recovered.hardState().equals(hardState)) {
      return "hard state " + recovered.hardState() + ", expected " + hardState;
    }
    long first = recovered.firstIndex();
    long last = recovered.lastIndex();
    if (first - 1 > newestSnapshot.index() || first < firstIndex()) {
      return "first index "
          + first
          + ", expected "
          + firstIndex()
          + " .. "
          + (newestSnapshot.index() + 1);
    }
    boolean snapshotOnly = first == newestSnapshot.index() + 1 && last == newestSnapshot.index();
    boolean logVouches = termAt(newestSnapshot.index()) == newestSnapshot.term();
    if (snapshotOnly && !logVouches && !Objects.equals(snapshot, newestSnapshot)) {
      // The snapshot file is newer than the surviving log, which does not lead up to it.
      return recovered.term(last) == newestSnapshot.term() ? null : "term at the snapshot";
    }
    if (last != lastIndex()) {
      return "last index " + last + ", expected " + lastIndex();
    }
    long boundaryTerm =
        first - 1 == newestSnapshot.index() ? newestSnapshot.term() : termAt(first - 1);
    if (recovered.term(first - 1) != boundaryTerm) {
      return "term "
          + recovered.term(first - 1)
          + " at "
          + (first - 1)
          + ", expected "
          + boundaryTerm;
    }
    if (first <= last) {
      List<Entry> entries = recovered.entries(first, last + 1, Long.MAX_VALUE);
      for (Entry e : entries) {
        if (!e.equals(entry(e.index()))) {
          return "entry " + e + ", expected " + entry(e.index());
        }
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return "hs="
        + hardState
        + " snap="
        + snapshot.index()
        + "/"
        + snapshot.term()
        + " first="
        + firstIndex()
        + " last="
        + lastIndex()
        + " lastTerm="
        + termAt(lastIndex());
  }
}
