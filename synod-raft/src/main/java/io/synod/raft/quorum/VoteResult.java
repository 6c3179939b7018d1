package io.synod.raft.quorum;

/** The outcome of an election, so far. */
public enum VoteResult {
  /** Not decided: enough voters have not answered to tell. */
  PENDING,
  /** A quorum can no longer be reached. */
  LOST,
  /** A quorum granted the vote. */
  WON
}
