package io.synod.raft;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * A membership configuration. Outside a joint configuration {@code votersOutgoing} and {@code
 * learnersNext} are empty. During joint consensus (Raft thesis §4.3) decisions need a majority of
 * {@code voters} and a majority of {@code votersOutgoing}; {@code learnersNext} are outgoing voters
 * that become learners when the joint configuration is left; {@code autoLeave} says the leader
 * leaves the joint configuration on its own once it is applied.
 *
 * <p>Every list is sorted and free of duplicates, so equal configurations are equal records.
 */
public record ConfState(
    List<Long> voters,
    List<Long> votersOutgoing,
    List<Long> learners,
    List<Long> learnersNext,
    boolean autoLeave) {
  public static final ConfState EMPTY =
      new ConfState(List.of(), List.of(), List.of(), List.of(), false);

  public ConfState {
    voters = sorted(voters);
    votersOutgoing = sorted(votersOutgoing);
    learners = sorted(learners);
    learnersNext = sorted(learnersNext);
  }

  /** A plain configuration of {@code voters} and no learners. */
  public static ConfState ofVoters(Collection<Long> voters) {
    return new ConfState(List.copyOf(voters), List.of(), List.of(), List.of(), false);
  }

  /** A plain configuration of {@code voters} and {@code learners}. */
  public static ConfState of(Collection<Long> voters, Collection<Long> learners) {
    return new ConfState(List.copyOf(voters), List.of(), List.copyOf(learners), List.of(), false);
  }

  /**
   * The configuration {@code change} leads to, exactly as Raft decides it when the change applies:
   * an application that keeps its own view of the members (addresses, names) follows Raft's
   * decisions with it, entry by entry.
   *
   * @throws IllegalArgumentException with a one-line reason if {@code change} is invalid here; Raft
   *     skips such an entry on every replica
   */
  public ConfState after(ConfChange change) {
    return MembershipChanger.apply(this, change);
  }

  public boolean isJoint() {
    return !votersOutgoing.isEmpty();
  }

  /** Whether {@code id} votes in the incoming or the outgoing configuration. */
  public boolean isVoter(long id) {
    return voters.contains(id) || votersOutgoing.contains(id);
  }

  public boolean isLearner(long id) {
    return learners.contains(id) || learnersNext.contains(id);
  }

  /** Whether {@code id} belongs to this configuration in any role. */
  public boolean contains(long id) {
    return isVoter(id) || isLearner(id);
  }

  /** Every member, voters and learners, in ascending order. */
  public List<Long> members() {
    TreeSet<Long> all = new TreeSet<>(voters);
    all.addAll(votersOutgoing);
    all.addAll(learners);
    all.addAll(learnersNext);
    return List.copyOf(all);
  }

  private static List<Long> sorted(Collection<Long> ids) {
    return List.copyOf(new ArrayList<>(new TreeSet<>(ids)));
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("voters=").append(voters);
    if (isJoint()) {
      sb.append("&&").append(votersOutgoing);
    }
    if (!learners.isEmpty()) {
      sb.append(" learners=").append(learners);
    }
    if (!learnersNext.isEmpty()) {
      sb.append(" learnersNext=").append(learnersNext);
    }
    if (autoLeave) {
      sb.append(" autoLeave");
    }
    return sb.toString();
  }
}
