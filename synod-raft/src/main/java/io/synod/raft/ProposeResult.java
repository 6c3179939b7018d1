package io.synod.raft;

/**
 * What became of a proposal. Only {@link Accepted} means the entry is in the leader's log; even
 * then it may never commit (the leader can lose its office and a new leader overwrite the entry).
 */
public sealed interface ProposeResult {
  /**
   * Appended at {@code index} in {@code term}; it applies if the entry at that index keeps that
   * term.
   */
  record Accepted(long index, long term) implements ProposeResult {}

  /** This node is not the leader; {@code leaderHint} is the leader it knows of, or 0. */
  record NotLeader(long leaderHint) implements ProposeResult {}

  /** Refused; definitely not appended. */
  record Rejected(Reason reason, String detail) implements ProposeResult {}

  /** Why a proposal was refused. */
  enum Reason {
    /** Leadership is being handed over; retry at the new leader. */
    LEADER_TRANSFER,
    /** Too many uncommitted bytes; retry later. */
    BUSY,
    /** An earlier membership change is not applied yet. */
    CONF_CHANGE_PENDING,
    /** The membership change is invalid in the current configuration. */
    INVALID_CONF_CHANGE,
    /** This leader has been removed from the configuration. */
    REMOVED
  }
}
