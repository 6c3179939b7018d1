package io.synod.raft.replica;

import io.synod.common.Bytes;

/**
 * What became of a proposed command. "Definitely not applied" ({@link NotLeader}, {@link Rejected})
 * is kept apart from "maybe applied" ({@link Unknown}) all the way to the client: only the former
 * may be retried blindly.
 */
public sealed interface Outcome {
  /** Committed and applied at {@code index}; {@code result} is what the state machine returned. */
  record Applied(long index, Bytes result) implements Outcome {}

  /** Not applied: this replica does not lead; {@code leaderHint} is the leader it knows, or 0. */
  record NotLeader(long leaderHint) implements Outcome {}

  /** Not applied, and never will be. */
  record Rejected(String reason) implements Outcome {}

  /** May or may not have been applied (for example, a snapshot skipped over its index). */
  record Unknown(String reason) implements Outcome {}
}
