package io.synod.raft;

import io.synod.common.Assert;
import java.util.ArrayList;
import java.util.List;

/**
 * The node's view of its log: the durable part in the {@link LogStore} and, after it, the unstable
 * part not yet handed to the replica loop for persisting. Also tracks the commit index and how far
 * committed entries have been handed out ({@code applying}) and applied ({@code applied}).
 *
 * <p>Invariants: {@code applied <= applying <= committed <= lastIndex()}, and {@code committed}
 * never goes back. Unstable entries start at {@code unstableOffset}; entries the store holds at or
 * after that index are shadowed until the loop overwrites them. A snapshot received from the leader
 * waits in {@code pendingSnapshot} until the loop installs it.
 */
final class RaftLog {
  /**
   * What {@link #term(long)} returns for an index it does not hold (compacted or beyond the end).
   */
  static final long NO_TERM = -1;

  private final LogStore storage;
  private Snapshot pendingSnapshot = Snapshot.EMPTY;
  private ArrayList<Entry> unstable = new ArrayList<>();
  private long unstableOffset;

  long committed;
  long applying;
  long applied;

  RaftLog(LogStore storage) {
    this.storage = storage;
    this.unstableOffset = storage.lastIndex() + 1;
    // The state machine restarts from the stored snapshot, which may lie past the compaction point
    // when the store keeps some entries behind it for lagging followers: those entries are already
    // in the snapshot and must not be applied again. A snapshot only covers committed entries.
    long snapshotIndex = Math.max(storage.firstIndex() - 1, storage.snapshotMeta().index());
    this.committed = snapshotIndex;
    this.applying = snapshotIndex;
    this.applied = snapshotIndex;
  }

  long firstIndex() {
    return pendingSnapshot.isEmpty() ? storage.firstIndex() : pendingSnapshot.index() + 1;
  }

  long lastIndex() {
    if (!unstable.isEmpty()) {
      return unstableOffset + unstable.size() - 1;
    }
    if (!pendingSnapshot.isEmpty()) {
      return pendingSnapshot.index();
    }
    return storage.lastIndex();
  }

  long lastTerm() {
    long t = term(lastIndex());
    Assert.that(t != NO_TERM, "no term for the last index %d", lastIndex());
    return t;
  }

  /** The term of the entry at {@code index}, or {@link #NO_TERM} if this log does not know it. */
  long term(long index) {
    if (index < firstIndex() - 1 || index > lastIndex()) {
      return NO_TERM;
    }
    if (index >= unstableOffset && !unstable.isEmpty()) {
      return unstable.get((int) (index - unstableOffset)).term();
    }
    if (!pendingSnapshot.isEmpty()) {
      return index == pendingSnapshot.index() ? pendingSnapshot.term() : NO_TERM;
    }
    return storage.term(index);
  }

  boolean matchTerm(long index, long term) {
    return term(index) == term;
  }

  /** Raft §5.4.1: a candidate's log is at least as up-to-date as ours. */
  boolean isUpToDate(long lastIndex, long lastTerm) {
    long ourTerm = lastTerm();
    return lastTerm > ourTerm || (lastTerm == ourTerm && lastIndex >= lastIndex());
  }

  /**
   * Appends a leader's entries that follow {@code prevIndex}/{@code prevTerm}, if this log holds
   * that entry. Returns the index of the last new entry, or -1 if the log does not match. Existing
   * entries that agree are kept; the first conflict and everything after it are replaced (Raft
   * §5.3).
   */
  long maybeAppend(long prevIndex, long prevTerm, long leaderCommit, List<Entry> entries) {
    if (!matchTerm(prevIndex, prevTerm)) {
      return -1;
    }
    long lastNew = prevIndex + entries.size();
    long conflict = findConflict(entries);
    if (conflict != 0) {
      Assert.that(
          conflict > committed,
          "entry %d conflicts with the committed prefix (committed %d)",
          conflict,
          committed);
      append(entries.subList((int) (conflict - (prevIndex + 1)), entries.size()));
    }
    commitTo(Math.min(leaderCommit, lastNew));
    return lastNew;
  }

  /** The first index of {@code entries} whose term differs from ours or that we lack; 0 if none. */
  private long findConflict(List<Entry> entries) {
    for (Entry e : entries) {
      if (!matchTerm(e.index(), e.term())) {
        return e.index();
      }
    }
    return 0;
  }

  /**
   * The last index at or below {@code index} whose term is at most {@code term}, with that term.
   * Used on both sides of a rejected append to skip every entry of a conflicting term in one step.
   * If the search reaches the compacted prefix it stops there with term 0.
   */
  long[] findConflictByTerm(long index, long term) {
    for (long i = index; i > 0; i--) {
      long t = term(i);
      if (t == NO_TERM) {
        return new long[] {i, 0};
      }
      if (t <= term) {
        return new long[] {i, t};
      }
    }
    return new long[] {0, 0};
  }

  /** Appends {@code entries} as unstable, truncating any conflicting suffix. */
  void append(List<Entry> entries) {
    if (entries.isEmpty()) {
      return;
    }
    long after = entries.get(0).index() - 1;
    Assert.that(after >= committed, "append after %d below commit %d", after, committed);
    if (after == unstableOffset + unstable.size() - 1) {
      unstable.addAll(entries);
    } else if (after < unstableOffset) {
      // The new entries replace part of the stable log: the loop overwrites it when it persists
      // them.
      unstableOffset = after + 1;
      unstable = new ArrayList<>(entries);
    } else {
      ArrayList<Entry> kept =
          new ArrayList<>(unstable.subList(0, (int) (after + 1 - unstableOffset)));
      kept.addAll(entries);
      unstable = kept;
    }
  }

  /**
   * Entries from {@code from} to the end of the log, at most {@code bytesMax} of them (but at least
   * one). Requires {@code firstIndex() <= from <= lastIndex() + 1}.
   */
  List<Entry> entriesFrom(long from, long bytesMax) {
    return slice(from, lastIndex() + 1, bytesMax);
  }

  /** Entries in {@code [from, toExclusive)}, limited like {@link #entriesFrom}. */
  List<Entry> slice(long from, long toExclusive, long bytesMax) {
    Assert.that(
        from >= firstIndex() && from <= toExclusive && toExclusive <= lastIndex() + 1,
        "slice [%d, %d) outside [%d, %d]",
        from,
        toExclusive,
        firstIndex(),
        lastIndex() + 1);
    List<Entry> out = new ArrayList<>();
    if (from == toExclusive) {
      return out;
    }
    long bytes = 0;
    if (from < unstableOffset) {
      long storedEnd = Math.min(toExclusive, unstableOffset);
      List<Entry> stored = storage.entries(from, storedEnd, bytesMax);
      out.addAll(stored);
      if (stored.size() < storedEnd - from) {
        return out;
      }
      for (Entry e : stored) {
        bytes += e.sizeBytes();
      }
    }
    for (long i = Math.max(from, unstableOffset); i < toExclusive; i++) {
      Entry e = unstable.get((int) (i - unstableOffset));
      bytes += e.sizeBytes();
      if (!out.isEmpty() && bytes > bytesMax) {
        break;
      }
      out.add(e);
    }
    return out;
  }

  void commitTo(long index) {
    if (index > committed) {
      Assert.that(index <= lastIndex(), "commit %d beyond the last index %d", index, lastIndex());
      committed = index;
    }
  }

  /** Whether committed entries wait to be handed out for applying. */
  boolean hasCommittedToApply() {
    return pendingSnapshot.isEmpty() && applying < committed;
  }

  /** The next committed entries to hand out, at most {@code bytesMax} of them (at least one). */
  List<Entry> committedToApply(long bytesMax) {
    if (!hasCommittedToApply()) {
      return List.of();
    }
    return slice(applying + 1, committed + 1, bytesMax);
  }

  void applyingTo(long index) {
    Assert.that(index >= applying && index <= committed, "applying %d outside", index);
    applying = index;
  }

  void appliedTo(long index) {
    Assert.that(
        index >= applied && index <= applying,
        "applied %d outside [%d, %d]",
        index,
        applied,
        applying);
    applied = index;
  }

  /** The last index known durable in the store, or 0 while a snapshot waits to be installed. */
  long lastStableIndex() {
    if (!pendingSnapshot.isEmpty()) {
      return 0;
    }
    return Math.min(storage.lastIndex(), unstableOffset - 1);
  }

  /** The store's latest snapshot, which the leader ships to members that need compacted entries. */
  Snapshot storedSnapshot() {
    return storage.snapshot();
  }

  List<Entry> unstableEntries() {
    return List.copyOf(unstable);
  }

  Snapshot pendingSnapshot() {
    return pendingSnapshot;
  }

  boolean hasUnstable() {
    return !unstable.isEmpty() || !pendingSnapshot.isEmpty();
  }

  /** The loop made entries up to {@code index} (with {@code term}) durable. */
  void stableTo(long index, long term) {
    if (unstable.isEmpty() || index < unstableOffset || index > lastIndex()) {
      return;
    }
    // Only if the entry is still the one that was persisted: it may have been replaced since.
    if (unstable.get((int) (index - unstableOffset)).term() != term) {
      return;
    }
    unstable =
        new ArrayList<>(unstable.subList((int) (index + 1 - unstableOffset), unstable.size()));
    unstableOffset = index + 1;
  }

  /** The loop installed the pending snapshot at {@code index}. */
  void stableSnapshotTo(long index) {
    if (!pendingSnapshot.isEmpty() && pendingSnapshot.index() == index) {
      pendingSnapshot = Snapshot.EMPTY;
      applying = Math.max(applying, index);
      applied = Math.max(applied, index);
    }
  }

  /** Replaces the whole log by a snapshot from the leader. */
  void restore(Snapshot snapshot) {
    Assert.that(snapshot.index() > committed, "restoring a snapshot at or below commit");
    pendingSnapshot = snapshot;
    unstable = new ArrayList<>();
    unstableOffset = snapshot.index() + 1;
    committed = snapshot.index();
  }

  /** Whether a committed, not yet applied entry changes the membership. */
  boolean hasUnappliedConfChange() {
    if (applied >= committed) {
      return false;
    }
    long from = Math.max(applied + 1, firstIndex());
    if (from > committed) {
      return false;
    }
    for (long i = from; i <= committed; ) {
      List<Entry> batch = slice(i, committed + 1, 1 << 20);
      for (Entry e : batch) {
        if (e.type() == EntryType.CONF_CHANGE) {
          return true;
        }
      }
      i += batch.size();
    }
    return false;
  }

  @Override
  public String toString() {
    return "log[first="
        + firstIndex()
        + " last="
        + lastIndex()
        + " committed="
        + committed
        + " applied="
        + applied
        + " unstable="
        + unstableOffset
        + "+"
        + unstable.size()
        + "]";
  }
}
