package io.synod.raft;

import java.util.TreeMap;

/**
 * Everything only a leader keeps; it exists exactly while the node leads and is dropped when the
 * node steps down, so no field is ever "valid only if leader".
 */
final class LeaderState {
  /** Every member's progress, this node's own included, in id order. */
  final TreeMap<Long, Progress> progress = new TreeMap<>();

  final ReadIndexQueue reads = new ReadIndexQueue();

  /** The voter leadership is being handed to, or 0. */
  long leadTransferee;

  /** The index of the last membership change appended; no new one is accepted until it applies. */
  long pendingConfIndex;

  /** Entry bytes appended by this leader and not yet handed out for applying. */
  long uncommittedBytes;

  int heartbeatElapsed;

  /** New entries or a new commit index wait to be sent; appends go out when the Ready is built. */
  boolean sendPending;
}
