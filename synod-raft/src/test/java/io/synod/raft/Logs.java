package io.synod.raft;

import io.synod.common.Bytes;
import java.util.ArrayList;
import java.util.List;

/** Small logs for tests, written as lists of terms: {@code terms(1, 1, 2)} is three entries. */
final class Logs {
  private Logs() {}

  /** A normal entry whose payload names its index and term, so a misplaced entry is visible. */
  static Entry entry(long index, long term) {
    return Entry.normal(term, index, Bytes.utf8("e" + index + "t" + term));
  }

  /** A membership change entry (adding voter 9). */
  static Entry confEntry(long index, long term) {
    return new Entry(
        term,
        index,
        EntryType.CONF_CHANGE,
        ConfChange.of(ConfChange.ChangeType.ADD_VOTER, 9).encode());
  }

  /** Entries from {@code firstIndex} on, with the given terms. */
  static List<Entry> entries(long firstIndex, long... terms) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < terms.length; i++) {
      out.add(entry(firstIndex + i, terms[i]));
    }
    return out;
  }

  /** A store holding entries 1..n with the given terms. */
  static MemoryLogStore storeWithTerms(long... terms) {
    MemoryLogStore store = new MemoryLogStore();
    store.append(entries(1, terms));
    return store;
  }

  /** A log whose entries 1..n, with the given terms, are all stable. */
  static RaftLog logWithTerms(long... terms) {
    return new RaftLog(storeWithTerms(terms));
  }

  /** The terms of every entry the log holds, from its first index. */
  static List<Long> terms(RaftLog log) {
    List<Long> out = new ArrayList<>();
    for (long i = log.firstIndex(); i <= log.lastIndex(); i++) {
      out.add(log.term(i));
    }
    return out;
  }

  /** Every entry the log holds, from its first index. */
  static List<Entry> all(RaftLog log) {
    return log.slice(log.firstIndex(), log.lastIndex() + 1, Long.MAX_VALUE);
  }

  /**
   * Does what the replica loop does with a Ready's log part: installs the pending snapshot, writes
   * the unstable entries to {@code store}, and tells the log they are stable.
   */
  static void persist(RaftLog log, LogStore store) {
    Snapshot snapshot = log.pendingSnapshot();
    List<Entry> unstable = log.unstableEntries();
    if (!snapshot.isEmpty()) {
      store.installSnapshot(snapshot);
    }
    store.append(unstable);
    if (!snapshot.isEmpty()) {
      log.stableSnapshotTo(snapshot.index());
    }
    if (!unstable.isEmpty()) {
      Entry last = unstable.get(unstable.size() - 1);
      log.stableTo(last.index(), last.term());
    }
  }
}
