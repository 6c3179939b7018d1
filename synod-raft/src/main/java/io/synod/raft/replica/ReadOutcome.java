package io.synod.raft.replica;

/**
 * What became of a linearizable read request. Reads have no effects, so any failure may be retried.
 */
public sealed interface ReadOutcome {
  /**
   * The state machine may be read now: it has applied at least {@code readIndex}, which a quorum
   * confirmed after the request arrived, so the read sees every write completed before it began.
   */
  record Ready(long readIndex) implements ReadOutcome {}

  /**
   * No leader could confirm the read; {@code leaderHint} is the leader this replica knows, or 0.
   */
  record NotLeader(long leaderHint) implements ReadOutcome {}

  /** Not served (busy, timed out, leadership changed); retry. */
  record Retry(String reason) implements ReadOutcome {}
}
