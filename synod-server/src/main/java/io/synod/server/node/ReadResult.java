package io.synod.server.node;

/**
 * What became of a linearizable read handed to a {@link NodeRunner}. Reads have no effects, so any
 * failure may be retried.
 *
 * @param <T> what the reader returned
 */
public sealed interface ReadResult<T> {
  /** The reader ran on the loop thread after the state machine applied {@code readIndex}. */
  record Value<T>(long readIndex, T value) implements ReadResult<T> {}

  /** No leader could confirm the read; {@code leaderHint} is the leader known, or 0. */
  record NotLeader<T>(long leaderHint) implements ReadResult<T> {}

  /** Not served (busy, timed out, leadership changed, node stopping); retry. */
  record Retry<T>(String reason) implements ReadResult<T> {}
}
