package io.synod.raft.quorum;

import java.util.Map;
import java.util.TreeSet;
import java.util.function.LongUnaryOperator;

/**
 * Two majority configurations that must both agree (Raft thesis §4.3). Outside joint consensus the
 * outgoing configuration is empty and the joint configuration behaves as the incoming one.
 * Immutable.
 */
public record JointConfig(MajorityConfig incoming, MajorityConfig outgoing) {
  public static final JointConfig EMPTY =
      new JointConfig(MajorityConfig.EMPTY, MajorityConfig.EMPTY);

  public boolean isJoint() {
    return !outgoing.isEmpty();
  }

  public boolean contains(long id) {
    return incoming.contains(id) || outgoing.contains(id);
  }

  /** Every voter of either half, in ascending order. */
  public TreeSet<Long> ids() {
    TreeSet<Long> all = new TreeSet<>();
    for (long id : incoming.ids()) {
      all.add(id);
    }
    for (long id : outgoing.ids()) {
      all.add(id);
    }
    return all;
  }

  /**
   * The largest value both majorities have reached. For the fully empty configuration this is
   * {@link Long#MAX_VALUE}; callers never commit by counting with no voters.
   */
  public long committedIndex(LongUnaryOperator valueOf) {
    return Math.min(incoming.committedIndex(valueOf), outgoing.committedIndex(valueOf));
  }

  /** Won if both halves won, lost if either lost, pending otherwise. */
  public VoteResult voteResult(Map<Long, Boolean> votes) {
    VoteResult in = incoming.voteResult(votes);
    VoteResult out = outgoing.voteResult(votes);
    if (in == out) {
      return in;
    }
    if (in == VoteResult.LOST || out == VoteResult.LOST) {
      return VoteResult.LOST;
    }
    return VoteResult.PENDING;
  }

  @Override
  public String toString() {
    return isJoint() ? incoming + "&&" + outgoing : incoming.toString();
  }
}
