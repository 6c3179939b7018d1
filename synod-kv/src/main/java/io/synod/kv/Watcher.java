package io.synod.kv;

import io.synod.common.Bytes;

/**
 * One watcher: its range, options and position. The position is the next change it must receive, as
 * (revision, sub-revision); a synced watcher receives revisions as they apply and its position is
 * implicitly just after the hub's last delivered revision (or its future start revision); an
 * unsynced one catches up from the revision log.
 *
 * <p>Confined to the replica loop's thread.
 */
final class Watcher {
  final long seq;
  final WatchStream stream;
  final long id;

  /** Normalized: empty {@code rangeEnd} is the single key; {@code \0} is "from key". */
  final Bytes key;

  final Bytes rangeEnd;
  final boolean noPut;
  final boolean noDelete;
  final boolean prevKv;
  final boolean progressNotify;
  final boolean fragment;

  long nextRevision;
  int nextSub;
  boolean synced;

  /** Whether a response went out since the last progress tick (etcd sends progress otherwise). */
  boolean sentSinceProgress;

  Watcher(long seq, WatchStream stream, long id, Bytes key, WatchRequest r) {
    this.seq = seq;
    this.stream = stream;
    this.id = id;
    this.key = key;
    this.rangeEnd = r.rangeEnd();
    this.noPut = r.noPut();
    this.noDelete = r.noDelete();
    this.prevKv = r.prevKv();
    this.progressNotify = r.progressNotify();
    this.fragment = r.fragment();
  }

  boolean isSingleKey() {
    return rangeEnd.isEmpty();
  }

  boolean matches(Bytes k) {
    return MvccStore.inRange(k, key, rangeEnd);
  }

  /** Whether the filters let the change through (NOPUT drops puts, NODELETE deletes). */
  boolean wants(Version v) {
    return v.isTombstone() ? !noDelete : !noPut;
  }

  @Override
  public String toString() {
    return "watcher "
        + id
        + " ["
        + key
        + ", "
        + rangeEnd
        + ") at "
        + nextRevision
        + "."
        + nextSub
        + (synced ? " synced" : " unsynced");
  }
}
