package io.synod.raft;

/**
 * Known-wrong rules that tests switch on, one at a time, to prove the simulator catches them. Never
 * set in production: {@link RaftConfig} defaults to none, and the server refuses to start with any.
 */
public enum PlantedBug {
  /** Commits an entry from an earlier term by counting replicas, against Raft §5.4.2. */
  COMMIT_OLD_TERM_BY_COUNTING,
  /** Grants votes without the up-to-date log check of Raft §5.4.1. */
  VOTE_WITHOUT_LOG_CHECK,
  /** Releases ReadIndex reads without confirming leadership with a quorum (thesis §6.4). */
  READ_INDEX_WITHOUT_QUORUM,
  /** Acknowledges appended entries (and counts the leader's own copy) before they are synced. */
  ACK_BEFORE_SYNC
}
