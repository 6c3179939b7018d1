package io.synod.sim;

import io.synod.raft.ConfChange;
import io.synod.raft.ConfChange.Change;
import io.synod.raft.ConfChange.ChangeType;
import io.synod.raft.ConfChange.Transition;
import io.synod.raft.ConfState;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/**
 * Picks the next membership change an operator might make: add a learner, promote it, add a voter
 * directly, remove a voter (the leader included) or a learner, replace a voter in one joint change,
 * demote a voter. Only legal changes are proposed, but their timing is adversarial.
 */
final class MembershipPlanner {
  private MembershipPlanner() {}

  /**
   * The next change for configuration {@code conf}, or empty. {@code spare} provides the id of a
   * fresh node to add (0 if none is left).
   */
  static Optional<ConfChange> next(ConfState conf, SplittableRandom r, LongSupplier spare) {
    if (conf.isJoint()) {
      return Optional.empty(); // the leader leaves it on its own
    }
    List<Long> voters = conf.voters();
    List<Long> learners = conf.learners();
    switch (r.nextInt(7)) {
      case 0 -> {
        long id = spare.getAsLong();
        return id == 0 ? Optional.empty() : Optional.of(ConfChange.of(ChangeType.ADD_LEARNER, id));
      }
      case 1 -> {
        return learners.isEmpty()
            ? Optional.empty()
            : Optional.of(ConfChange.of(ChangeType.ADD_VOTER, pick(learners, r)));
      }
      case 2 -> {
        long id = spare.getAsLong();
        return id == 0 ? Optional.empty() : Optional.of(ConfChange.of(ChangeType.ADD_VOTER, id));
      }
      case 3 -> {
        return voters.size() <= 1
            ? Optional.empty()
            : Optional.of(ConfChange.of(ChangeType.REMOVE, pick(voters, r)));
      }
      case 4 -> {
        return learners.isEmpty()
            ? Optional.empty()
            : Optional.of(ConfChange.of(ChangeType.REMOVE, pick(learners, r)));
      }
      case 5 -> {
        if (learners.isEmpty()) {
          return Optional.empty();
        }
        Transition t = r.nextBoolean() ? Transition.AUTO : Transition.JOINT_IMPLICIT;
        return Optional.of(
            new ConfChange(
                t,
                List.of(
                    new Change(ChangeType.ADD_VOTER, pick(learners, r)),
                    new Change(ChangeType.REMOVE, pick(voters, r)))));
      }
      default -> {
        if (voters.size() <= 1) {
          return Optional.empty();
        }
        return Optional.of(
            new ConfChange(
                Transition.JOINT_IMPLICIT,
                List.of(new Change(ChangeType.ADD_LEARNER, pick(voters, r)))));
      }
    }
  }

  private static long pick(List<Long> ids, SplittableRandom r) {
    return ids.get(r.nextInt(ids.size()));
  }
}
