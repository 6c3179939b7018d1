package io.synod.server.node;

import io.synod.raft.Role;

/**
 * A replica's state as its loop last published it, for threads other than the loop's (health
 * checks, response headers, tests). Immutable; slightly stale by nature.
 *
 * @param memberId this replica's id
 * @param term the current Raft term
 * @param leaderId the leader this replica knows, or 0
 * @param role follower, candidate or leader
 * @param commitIndex the highest index known committed
 * @param appliedIndex the highest index applied to the state machine
 * @param running false once the loop stopped (shut down or failed)
 */
public record NodeStatus(
    long memberId,
    long term,
    long leaderId,
    Role role,
    long commitIndex,
    long appliedIndex,
    boolean running) {

  /** Whether a leader is known. */
  public boolean hasLeader() {
    return leaderId != 0;
  }

  public boolean isLeader() {
    return role == Role.LEADER;
  }
}
