package io.synod.kv;

import io.synod.common.Assert;
import io.synod.common.Bytes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The multi-version key-value store: a key index ordered by unsigned bytes, each key mapped to its
 * chain of {@link Version}s (newest first), and a {@link RevisionLog} of the changes of every
 * revision since the compaction point.
 *
 * <p>Revisions follow etcd: an empty store is at revision 1; each write that changes something
 * advances it by exactly one, whatever the number of keys it touched; inside a revision changes are
 * ordered by sub-revision (their order in the log). A read at revision R sees, for each key, the
 * newest version with a mod revision at or below R unless it is a tombstone. Reads work at any
 * revision from {@link #compactRevision()} (inclusive) to {@link #revision()}.
 *
 * <p>Writes happen between {@link #beginWrite()} and {@link #endWrite()}: versions written inside
 * carry revision {@code revision() + 1} and are visible to reads at {@link #readRevision()} at once
 * (a Txn sees its own earlier writes); {@code endWrite} publishes the revision if anything changed.
 *
 * <p><b>Threads.</b> Single writer: confined to the replica loop's thread, and readers run on that
 * thread too (for now). Not thread-safe.
 */
public final class MvccStore {
  /** etcd's compactMainRev before any compaction. */
  static final long NEVER_COMPACTED = -1;

  private final TreeMap<Bytes, Version> index = new TreeMap<>();
  private RevisionLog log = new RevisionLog(2);
  private long revision = 1;
  private long compactRevision = NEVER_COMPACTED;

  private boolean writing;
  private final List<Version> pending = new ArrayList<>();

  /** What {@link #storedBytes()} counts for each version beyond its key and value. */
  static final int VERSION_OVERHEAD_BYTES = 64;

  /** Sum of {@link #cost} over every version held, kept as versions come and go. */
  private long storedBytes;

  /** The current revision: that of the last write that changed something (1 when empty). */
  public long revision() {
    return revision;
  }

  /** The revision of the last compaction, or -1 if the store was never compacted (as etcd). */
  public long compactRevision() {
    return compactRevision;
  }

  /** Number of keys with a history (live or deleted but not yet compacted away). */
  public int indexedKeyCount() {
    return index.size();
  }

  RevisionLog log() {
    return log;
  }

  /**
   * An estimate of the space the versions take: every version still held (live, historical and
   * tombstones not yet compacted away) counts its key, its value and {@link
   * #VERSION_OVERHEAD_BYTES}. Kept up to date by every write and compaction, so O(1).
   */
  long storedBytes() {
    return storedBytes;
  }

  private static long cost(Version v) {
    return v.key.size() + VERSION_OVERHEAD_BYTES + (v.value == null ? 0 : v.value.size());
  }

  /** The cost of {@code v} and every older version chained behind it. */
  private static long chainCost(Version v) {
    long bytes = 0;
    for (; v != null; v = v.prev) {
      bytes += cost(v);
    }
    return bytes;
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  /**
   * The revision reads without an explicit revision see: the current one, or the one being written
   * if the open write already changed something.
   */
  long readRevision() {
    return writing && !pending.isEmpty() ? revision + 1 : revision;
  }

  /** The live version of {@code key} at {@code rev}, or null. */
  Version get(Bytes key, long rev) {
    Version head = index.get(key);
    return head == null ? null : head.liveAt(rev);
  }

  /** The live version of {@code key} now (including the open write's changes), or null. */
  Version latest(Bytes key) {
    Version head = index.get(key);
    return head == null || head.isTombstone() ? null : head;
  }

  /**
   * Calls {@code visitor} with the live version at {@code rev} of every key in {@code [key,
   * rangeEnd)}, in key order. An empty {@code rangeEnd} means just {@code key}; {@code \0} means
   * every key from {@code key} on; a reversed range is empty.
   */
  void scan(Bytes key, Bytes rangeEnd, long rev, Consumer<Version> visitor) {
    if (rangeEnd.isEmpty()) {
      Version v = get(key, rev);
      if (v != null) {
        visitor.accept(v);
      }
      return;
    }
    for (Version head : heads(key, rangeEnd).values()) {
      Version v = head.liveAt(rev);
      if (v != null) {
        visitor.accept(v);
      }
    }
  }

  /** The chain heads of every indexed key in the range (see {@link #scan}). */
  NavigableMap<Bytes, Version> heads(Bytes key, Bytes rangeEnd) {
    if (rangeEnd.isEmpty()) {
      Version head = index.get(key);
      return head == null ? Collections.emptyNavigableMap() : index.subMap(key, true, key, true);
    }
    if (isFromKey(rangeEnd)) {
      return index.tailMap(key, true);
    }
    if (key.compareTo(rangeEnd) >= 0) {
      return Collections.emptyNavigableMap();
    }
    return index.subMap(key, true, rangeEnd, false);
  }

  /** {@code rangeEnd == "\0"}: every key from the start key on (etcd's {@code --from-key}). */
  static boolean isFromKey(Bytes rangeEnd) {
    return rangeEnd.size() == 1 && rangeEnd.byteAt(0) == 0;
  }

  /** Whether {@code k} lies in the range {@code [key, rangeEnd)} (see {@link #scan}). */
  static boolean inRange(Bytes k, Bytes key, Bytes rangeEnd) {
    if (rangeEnd.isEmpty()) {
      return k.equals(key);
    }
    if (isFromKey(rangeEnd)) {
      return k.compareTo(key) >= 0;
    }
    return k.compareTo(key) >= 0 && k.compareTo(rangeEnd) < 0;
  }

  /** The error a read at {@code rev} gets (etcd checks future first, then compacted). */
  Optional<KvError> checkReadable(long rev, long currentRevision) {
    if (rev > currentRevision) {
      return Optional.of(KvError.FUTURE_REVISION);
    }
    if (rev > 0 && rev < compactRevision) {
      return Optional.of(KvError.COMPACTED);
    }
    return Optional.empty();
  }

  /** Serves a Range at the current revision (outside any write). */
  public KvResponse range(RangeRequest request) {
    Assert.that(!writing, "range during a write");
    return RangeQuery.run(this, request, revision);
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  void beginWrite() {
    Assert.that(!writing, "nested write");
    writing = true;
  }

  /** Whether the open write has changed anything yet. */
  boolean hasPendingChanges() {
    return !pending.isEmpty();
  }

  /** The revision the open write's changes get. */
  long writeRevision() {
    return revision + 1;
  }

  /** Puts {@code value} under {@code key} (the caller has resolved ignore_value/ignore_lease). */
  Version put(Bytes key, Bytes value, long lease) {
    Assert.that(writing, "put outside a write");
    Version head = index.get(key);
    long rev = revision + 1;
    Version v;
    if (head == null) {
      v = Version.put(key, rev, rev, 1, lease, value, null);
    } else if (head.isTombstone()) {
      // Share the key instance the index already holds.
      v = Version.put(head.key, rev, rev, 1, lease, value, head);
    } else {
      v = Version.put(head.key, rev, head.createRevision, head.version + 1, lease, value, head);
    }
    index.put(v.key, v);
    pending.add(v);
    storedBytes += cost(v);
    return v;
  }

  /** Deletes {@code key} if it is live; returns the tombstone, or null if there was nothing. */
  Version delete(Bytes key) {
    Assert.that(writing, "delete outside a write");
    Version head = index.get(key);
    if (head == null || head.isTombstone()) {
      return null;
    }
    Version t = Version.tombstone(head.key, revision + 1, head);
    index.put(t.key, t);
    pending.add(t);
    storedBytes += cost(t);
    return t;
  }

  /** Closes the open write; returns the revision (advanced by one if anything changed). */
  long endWrite() {
    Assert.that(writing, "no open write");
    writing = false;
    if (!pending.isEmpty()) {
      revision++;
      log.append(revision, List.copyOf(pending));
      pending.clear();
    }
    return revision;
  }

  // ---------------------------------------------------------------------------------------------
  // Compaction

  /**
   * Compacts at {@code rev}: per key, keeps the newest version at or below {@code rev} (unless it
   * is a tombstone) and everything newer, and drops the revision log below {@code rev}. Reads at
   * exactly {@code rev} keep working. etcd's errors: at or below the current compaction point is
   * {@code COMPACTED}, above the current revision {@code FUTURE_REVISION}.
   */
  Optional<KvError> compact(long rev) {
    Assert.that(!writing, "compaction during a write");
    if (rev <= compactRevision) {
      return Optional.of(KvError.COMPACTED);
    }
    if (rev > revision) {
      return Optional.of(KvError.FUTURE_REVISION);
    }
    compactRevision = rev;
    // Every key with more than one version at or below rev changed in [previous point, rev]:
    // after the previous compaction each key held at most one version at or below that point.
    long from = log.firstRevision();
    long to = Math.min(rev, log.lastRevision());
    for (long r = from; r <= to; r++) {
      int n = log.count(r);
      for (int sub = 0; sub < n; sub++) {
        cutBelow(log.change(r, sub).key, rev);
      }
    }
    log.dropBefore(rev);
    if (log.holds(rev)) {
      forgetPreviousAt(rev);
    }
    return Optional.empty();
  }

  /** Drops the versions of {@code key} that no read at or after {@code rev} can see. */
  private void cutBelow(Bytes key, long rev) {
    Version head = index.get(key);
    Version after = null;
    Version v = head;
    while (v != null && v.modRevision > rev) {
      after = v;
      v = v.prev;
    }
    if (v == null) {
      return;
    }
    if (v.isTombstone()) {
      storedBytes -= chainCost(v);
      if (after == null) {
        index.remove(key);
      } else {
        after.prev = null;
      }
    } else {
      storedBytes -= chainCost(v.prev);
      v.prev = null;
    }
  }

  /**
   * Events at exactly the compact revision lose their previous version, as in etcd (a read at
   * {@code rev - 1} is compacted). Done the same way after a restore, so images stay identical.
   */
  private void forgetPreviousAt(long rev) {
    int n = log.count(rev);
    for (int sub = 0; sub < n; sub++) {
      Version v = log.change(rev, sub);
      if (v.prev != null && v.prev.modRevision < rev) {
        // A version the cut above already dropped with its chain (a key put, then deleted, in
        // the same revision) was counted out then.
        if (held(v)) {
          storedBytes -= chainCost(v.prev);
        }
        v.prev = null;
      }
    }
  }

  /** Whether {@code v} is still in its key's chain. */
  private boolean held(Version v) {
    for (Version h = index.get(v.key); h != null && h.modRevision >= v.modRevision; h = h.prev) {
      if (h == v) {
        return true;
      }
    }
    return false;
  }

  /**
   * Checks the structural invariants (for tests and debugging; O(versions)): chains run from new to
   * old; below the compaction point a key keeps at most one version and never a tombstone; the log
   * spans exactly {@code [max(2, compactRevision), revision]}.
   */
  void checkInvariants() {
    Assert.that(!writing, "invariants checked during a write");
    Assert.that(
        log.lastRevision() == revision,
        "log ends at %d, store at %d",
        log.lastRevision(),
        revision);
    Assert.that(
        log.firstRevision() == Math.max(2, compactRevision),
        "log starts at %d",
        log.firstRevision());
    long walked = 0;
    for (Map.Entry<Bytes, Version> e : index.entrySet()) {
      walked += chainCost(e.getValue());
      Assert.that(
          e.getKey().equals(e.getValue().key), "index key %s holds %s", e.getKey(), e.getValue());
      int atOrBelowCompact = 0;
      for (Version v = e.getValue(); v != null; v = v.prev) {
        Assert.that(v.prev == null || v.prev.modRevision <= v.modRevision, "chain out of order");
        Assert.that(v.key == e.getValue().key, "chain of %s does not share its key", v.key);
        if (v.modRevision <= compactRevision) {
          atOrBelowCompact++;
          Assert.that(!v.isTombstone(), "tombstone %s kept below the compaction point", v);
        }
      }
      Assert.that(
          atOrBelowCompact <= 1,
          "key %s keeps %d versions below the compaction point",
          e.getKey(),
          atOrBelowCompact);
    }
    Assert.that(walked == storedBytes, "stored bytes counted %d, held %d", storedBytes, walked);
  }

  // ---------------------------------------------------------------------------------------------
  // Snapshot support (see StoreImage)

  /** Every chain head, in key order. */
  NavigableMap<Bytes, Version> index() {
    return Collections.unmodifiableNavigableMap(index);
  }

  /** Empties the store and sets the revisions an image recorded; then {@link #replay} and seal. */
  void resetForRestore(long newRevision, long newCompactRevision, long logFirstRevision) {
    Assert.that(!writing, "restore during a write");
    index.clear();
    pending.clear();
    storedBytes = 0;
    revision = newRevision;
    compactRevision = newCompactRevision;
    log = new RevisionLog(logFirstRevision);
  }

  /** Restores a version older than the log (the one a compaction kept). */
  void restoreBase(Version v) {
    Assert.that(v.prev == null && !index.containsKey(v.key), "base version %s not alone", v);
    index.put(v.key, v);
    storedBytes += cost(v);
  }

  /** The current chain head of {@code key}, for replaying an image. */
  Version head(Bytes key) {
    return index.get(key);
  }

  /** Replays one revision of the log from an image; versions must chain onto current heads. */
  void replay(long rev, List<Version> revisionChanges) {
    for (Version v : revisionChanges) {
      index.put(v.key, v);
      storedBytes += cost(v);
    }
    log.append(rev, revisionChanges);
  }

  /** Finishes a restore: the same cuts compaction made, so the state equals the original. */
  void sealRestore() {
    Assert.that(
        log.lastRevision() == revision,
        "image log ends at %d, revision is %d",
        log.lastRevision(),
        revision);
    if (compactRevision > 0 && log.holds(compactRevision)) {
      int n = log.count(compactRevision);
      for (int sub = 0; sub < n; sub++) {
        cutBelow(log.change(compactRevision, sub).key, compactRevision);
      }
      forgetPreviousAt(compactRevision);
    }
  }
}
