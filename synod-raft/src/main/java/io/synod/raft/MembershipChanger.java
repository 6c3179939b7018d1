package io.synod.raft;

import io.synod.raft.ConfChange.Change;
import java.util.List;
import java.util.TreeSet;

/**
 * Computes the configuration a {@link ConfChange} leads to, or explains why the change is invalid.
 * Pure: the same inputs give the same output on every replica, so a change that is invalid when it
 * is applied is skipped identically everywhere.
 */
final class MembershipChanger {
  private MembershipChanger() {}

  /**
   * The configuration after {@code change}.
   *
   * @throws IllegalArgumentException with a one-line reason if the change is invalid in {@code
   *     current}
   */
  static ConfState apply(ConfState current, ConfChange change) {
    if (change.changes().size() > ConfChange.CHANGES_MAX) {
      // Its entry could not be decoded: every replica would skip it after the leader accepted it.
      throw new IllegalArgumentException(
          "more than " + ConfChange.CHANGES_MAX + " changes in one membership change");
    }
    if (change.isLeaveJoint()) {
      if (!current.isJoint()) {
        throw new IllegalArgumentException("not in a joint configuration; nothing to leave");
      }
      return leaveJoint(current);
    }
    if (current.isJoint()) {
      throw new IllegalArgumentException("in a joint configuration; leave it first");
    }
    if (change.entersJoint()) {
      return enterJoint(current, change);
    }
    return simple(current, change.changes());
  }

  private static ConfState enterJoint(ConfState current, ConfChange change) {
    if (current.voters().isEmpty()) {
      throw new IllegalArgumentException("cannot enter a joint configuration from zero voters");
    }
    Sets s = new Sets(current);
    s.outgoing.addAll(current.voters());
    s.applyAll(change.changes());
    return s.build(change.autoLeave());
  }

  private static ConfState leaveJoint(ConfState current) {
    TreeSet<Long> learners = new TreeSet<>(current.learners());
    learners.addAll(current.learnersNext());
    return new ConfState(current.voters(), List.of(), List.copyOf(learners), List.of(), false);
  }

  private static ConfState simple(ConfState current, List<Change> changes) {
    Sets s = new Sets(current);
    s.applyAll(changes);
    TreeSet<Long> diff = new TreeSet<>(s.incoming);
    diff.addAll(current.voters());
    TreeSet<Long> both = new TreeSet<>(s.incoming);
    both.retainAll(current.voters());
    diff.removeAll(both);
    if (diff.size() > 1) {
      throw new IllegalArgumentException("more than one voter changed without joint consensus");
    }
    return s.build(false);
  }

  /** Mutable working copies of a configuration's sets. */
  private static final class Sets {
    final TreeSet<Long> incoming;
    final TreeSet<Long> outgoing = new TreeSet<>();
    final TreeSet<Long> learners;
    final TreeSet<Long> learnersNext = new TreeSet<>();

    Sets(ConfState cs) {
      incoming = new TreeSet<>(cs.voters());
      learners = new TreeSet<>(cs.learners());
    }

    void applyAll(List<Change> changes) {
      for (Change c : changes) {
        long id = c.nodeId();
        if (id <= 0) {
          throw new IllegalArgumentException("node id must be positive: " + id);
        }
        switch (c.type()) {
          case ADD_VOTER -> {
            learners.remove(id);
            learnersNext.remove(id);
            incoming.add(id);
          }
          case ADD_LEARNER -> {
            incoming.remove(id);
            learners.remove(id);
            learnersNext.remove(id);
            // A demoted voter keeps voting in the outgoing half until the joint state is left.
            if (outgoing.contains(id)) {
              learnersNext.add(id);
            } else {
              learners.add(id);
            }
          }
          case REMOVE -> {
            incoming.remove(id);
            learners.remove(id);
            learnersNext.remove(id);
          }
        }
      }
    }

    ConfState build(boolean autoLeave) {
      if (incoming.isEmpty()) {
        throw new IllegalArgumentException("removed all voters");
      }
      return new ConfState(
          List.copyOf(incoming),
          List.copyOf(outgoing),
          List.copyOf(learners),
          List.copyOf(learnersNext),
          autoLeave && !outgoing.isEmpty());
    }
  }
}
