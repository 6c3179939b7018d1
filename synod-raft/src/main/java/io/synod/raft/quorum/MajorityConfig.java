package io.synod.raft.quorum;

import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.function.LongUnaryOperator;

/**
 * A set of voters decided by simple majority. Immutable.
 *
 * <p>The empty configuration is a convention that makes {@link JointConfig} simple: it agrees to
 * every commit index ({@link Long#MAX_VALUE}) and wins every vote, so a joint configuration whose
 * outgoing half is empty behaves exactly like its incoming half.
 */
public final class MajorityConfig {
  public static final MajorityConfig EMPTY = new MajorityConfig(new long[0]);

  private final long[] ids;

  private MajorityConfig(long[] sortedIds) {
    this.ids = sortedIds;
  }

  public static MajorityConfig of(Collection<Long> voterIds) {
    long[] ids = voterIds.stream().mapToLong(Long::longValue).sorted().distinct().toArray();
    return ids.length == 0 ? EMPTY : new MajorityConfig(ids);
  }

  public int size() {
    return ids.length;
  }

  public boolean isEmpty() {
    return ids.length == 0;
  }

  public boolean contains(long id) {
    return Arrays.binarySearch(ids, id) >= 0;
  }

  /** The voter ids in ascending order. */
  public long[] ids() {
    return ids.clone();
  }

  /** The number of voters that make a majority. */
  public int quorum() {
    return ids.length / 2 + 1;
  }

  /**
   * The largest value that a majority of voters has reached, where {@code valueOf} gives a voter's
   * value (for example its match index). Returns {@link Long#MAX_VALUE} for the empty
   * configuration.
   */
  public long committedIndex(LongUnaryOperator valueOf) {
    int n = ids.length;
    if (n == 0) {
      return Long.MAX_VALUE;
    }
    long[] values = new long[n];
    for (int i = 0; i < n; i++) {
      values[i] = valueOf.applyAsLong(ids[i]);
    }
    Arrays.sort(values);
    // Ascending order: the quorum-th largest value sits n - quorum from the start.
    return values[n - quorum()];
  }

  /**
   * The outcome of an election given the votes cast so far ({@code true} for granted). Votes from
   * non-members are ignored. The empty configuration always wins.
   */
  public VoteResult voteResult(Map<Long, Boolean> votes) {
    if (ids.length == 0) {
      return VoteResult.WON;
    }
    int granted = 0;
    int missing = 0;
    for (long id : ids) {
      Boolean v = votes.get(id);
      if (v == null) {
        missing++;
      } else if (v) {
        granted++;
      }
    }
    int q = quorum();
    if (granted >= q) {
      return VoteResult.WON;
    }
    return granted + missing >= q ? VoteResult.PENDING : VoteResult.LOST;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MajorityConfig other && Arrays.equals(ids, other.ids);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(ids);
  }

  @Override
  public String toString() {
    return Arrays.toString(ids);
  }
}
