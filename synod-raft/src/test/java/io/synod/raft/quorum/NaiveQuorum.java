package io.synod.raft.quorum;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The quorum rules written the slow, obvious way, as the reference the property tests compare
 * {@link MajorityConfig} and {@link JointConfig} against. Nothing here shares code with them: a
 * majority is "more than half", and the commit index is found by trying every candidate value.
 */
final class NaiveQuorum {
  private NaiveQuorum() {}

  static boolean isMajorityOf(int count, int voters) {
    return 2 * count > voters;
  }

  /** Whether a majority of {@code voters} has reached {@code v}; the empty set always agrees. */
  static boolean majorityReached(Set<Long> voters, Map<Long, Long> match, long v) {
    if (voters.isEmpty()) {
      return true;
    }
    int reached = 0;
    for (long id : voters) {
      if (match.getOrDefault(id, 0L) >= v) {
        reached++;
      }
    }
    return isMajorityOf(reached, voters.size());
  }

  /**
   * The largest candidate v in {0} and every match value such that a majority of each given voter
   * set has reached v. {@link Long#MAX_VALUE} if every set is empty.
   */
  @SafeVarargs
  static long committedIndex(Map<Long, Long> match, Set<Long>... halves) {
    boolean allEmpty = true;
    for (Set<Long> half : halves) {
      allEmpty &= half.isEmpty();
    }
    if (allEmpty) {
      return Long.MAX_VALUE;
    }
    TreeSet<Long> candidates = new TreeSet<>(match.values());
    candidates.add(0L);
    long best = -1;
    for (long v : candidates) {
      boolean everyHalf = true;
      for (Set<Long> half : halves) {
        everyHalf &= majorityReached(half, match, v);
      }
      if (everyHalf) {
        best = Math.max(best, v);
      }
    }
    return best;
  }

  static VoteResult voteResult(Set<Long> voters, Map<Long, Boolean> votes) {
    if (voters.isEmpty()) {
      return VoteResult.WON;
    }
    int granted = 0;
    int missing = 0;
    for (long id : voters) {
      Boolean v = votes.get(id);
      if (v == null) {
        missing++;
      } else if (v) {
        granted++;
      }
    }
    if (isMajorityOf(granted, voters.size())) {
      return VoteResult.WON;
    }
    if (!isMajorityOf(granted + missing, voters.size())) {
      return VoteResult.LOST;
    }
    return VoteResult.PENDING;
  }

  /** A joint election is won when both halves are won and lost as soon as either is lost. */
  static VoteResult jointVoteResult(Set<Long> in, Set<Long> out, Map<Long, Boolean> votes) {
    VoteResult a = voteResult(in, votes);
    VoteResult b = voteResult(out, votes);
    if (a == VoteResult.WON && b == VoteResult.WON) {
      return VoteResult.WON;
    }
    if (a == VoteResult.LOST || b == VoteResult.LOST) {
      return VoteResult.LOST;
    }
    return VoteResult.PENDING;
  }
}
