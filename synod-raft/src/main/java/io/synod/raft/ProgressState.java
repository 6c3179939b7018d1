package io.synod.raft;

/** How the leader replicates to one follower. */
public enum ProgressState {
  /** The follower's log position is unknown: one append at a time until one is accepted. */
  PROBE,
  /** The follower is in step: appends are pipelined up to the inflight window. */
  REPLICATE,
  /** The follower needs entries the leader has compacted: a snapshot is being sent. */
  SNAPSHOT
}
