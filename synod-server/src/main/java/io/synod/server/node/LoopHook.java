package io.synod.server.node;

import io.synod.raft.replica.ReplicaLoop;

/**
 * Work the application does on the replica loop's thread after every turn of a {@link NodeRunner}
 * (a turn: a tick when due, then a batch of messages and tasks): catching up watchers, driving the
 * leader's lease clock, proposing what it decided. It owns nothing of the loop's but may call it
 * ({@code propose}, {@code node()}, {@code stateMachine()}).
 *
 * <p>Runs on the loop thread only; it must be quick and must never block. An exception out of it
 * stops the runner like one out of the loop (a broken invariant stops the node).
 */
@FunctionalInterface
public interface LoopHook {
  /** A hook that does nothing. */
  LoopHook NONE = (loop, nowNanos) -> false;

  /**
   * Called after every turn, with the runner clock's {@code nowNanos}. Returns true if it has more
   * work that is ready now (the loop then turns again at once instead of sleeping until the next
   * tick); {@link NodeRunner#wake()} makes the loop turn when work becomes ready later.
   */
  boolean afterTurn(ReplicaLoop loop, long nowNanos);
}
