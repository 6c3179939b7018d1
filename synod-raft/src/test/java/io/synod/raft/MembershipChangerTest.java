package io.synod.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.raft.ConfChange.Change;
import io.synod.raft.ConfChange.ChangeType;
import io.synod.raft.ConfChange.Transition;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MembershipChangerTest {
  private static final ConfState ONE_TWO_THREE = ConfState.of(List.of(1L, 2L, 3L), List.of(4L));

  private static ConfState apply(ConfState current, ConfChange change) {
    return MembershipChanger.apply(current, change);
  }

  private static ConfChange simple(ChangeType type, long id) {
    return ConfChange.of(type, id);
  }

  private static ConfChange joint(Transition transition, Change... changes) {
    return new ConfChange(transition, List.of(changes));
  }

  private static void assertRejected(ConfState current, ConfChange change, String reason) {
    assertThatThrownBy(() -> apply(current, change))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(reason);
  }

  // ------------------------------------------------------------------ simple changes

  @Test
  void firstVoterJoinsAnEmptyConfiguration() {
    assertThat(apply(ConfState.EMPTY, simple(ChangeType.ADD_VOTER, 1)))
        .isEqualTo(ConfState.ofVoters(List.of(1L)));
  }

  @Test
  void addVoterIsAppliedDirectly() {
    ConfState next = apply(ONE_TWO_THREE, simple(ChangeType.ADD_VOTER, 5));

    assertThat(next).isEqualTo(ConfState.of(List.of(1L, 2L, 3L, 5L), List.of(4L)));
    assertThat(next.isJoint()).isFalse();
  }

  @Test
  void addLearnerIsAppliedDirectly() {
    assertThat(apply(ONE_TWO_THREE, simple(ChangeType.ADD_LEARNER, 5)))
        .isEqualTo(ConfState.of(List.of(1L, 2L, 3L), List.of(4L, 5L)));
  }

  @Test
  void removeDropsAVoterOrALearner() {
    assertThat(apply(ONE_TWO_THREE, simple(ChangeType.REMOVE, 2)))
        .isEqualTo(ConfState.of(List.of(1L, 3L), List.of(4L)));
    assertThat(apply(ONE_TWO_THREE, simple(ChangeType.REMOVE, 4)))
        .isEqualTo(ConfState.ofVoters(List.of(1L, 2L, 3L)));
  }

  @Test
  void addVoterPromotesALearner() {
    assertThat(apply(ONE_TWO_THREE, simple(ChangeType.ADD_VOTER, 4)))
        .isEqualTo(ConfState.ofVoters(List.of(1L, 2L, 3L, 4L)));
  }

  @Test
  void addLearnerDemotesAVoterInOneStep() {
    // Only one voter changes, so no joint configuration is needed.
    assertThat(apply(ONE_TWO_THREE, simple(ChangeType.ADD_LEARNER, 3)))
        .isEqualTo(ConfState.of(List.of(1L, 2L), List.of(3L, 4L)));
  }

  @Test
  void changesThatChangeNothingAreAccepted() {
    assertThat(apply(ONE_TWO_THREE, simple(ChangeType.ADD_VOTER, 2))).isEqualTo(ONE_TWO_THREE);
    assertThat(apply(ONE_TWO_THREE, simple(ChangeType.ADD_LEARNER, 4))).isEqualTo(ONE_TWO_THREE);
    assertThat(apply(ONE_TWO_THREE, simple(ChangeType.REMOVE, 9))).isEqualTo(ONE_TWO_THREE);
  }

  @Test
  void changingTwoVotersAtOnceNeverAppliesDirectly() {
    // The "more than one voter changed" check in simple() cannot fire: two changes under AUTO
    // always go through joint consensus instead.
    ConfState next =
        apply(
            ONE_TWO_THREE,
            joint(
                Transition.AUTO,
                new Change(ChangeType.ADD_VOTER, 5),
                new Change(ChangeType.REMOVE, 1)));

    assertThat(next.isJoint()).isTrue();
    assertThat(next.voters()).containsExactly(2L, 3L, 5L);
    assertThat(next.votersOutgoing()).containsExactly(1L, 2L, 3L);
    assertThat(next.autoLeave()).isTrue();
  }

  @Test
  void removingTheLastVoterIsRejected() {
    assertRejected(ConfState.ofVoters(List.of(1L)), simple(ChangeType.REMOVE, 1), "all voters");
    assertRejected(
        ConfState.ofVoters(List.of(1L)), simple(ChangeType.ADD_LEARNER, 1), "all voters");
    assertRejected(ConfState.EMPTY, simple(ChangeType.ADD_LEARNER, 1), "all voters");
  }

  @Test
  void nodeIdsMustBePositive() {
    assertRejected(ONE_TWO_THREE, simple(ChangeType.ADD_VOTER, 0), "positive");
    assertRejected(ONE_TWO_THREE, simple(ChangeType.REMOVE, -3), "positive");
  }

  @Test
  void changeTooLongToDecodeIsRejected() {
    List<Change> many = new ArrayList<>();
    for (long id = 10; id < 10 + 1025; id++) {
      many.add(new Change(ChangeType.ADD_LEARNER, id));
    }

    assertRejected(ONE_TWO_THREE, new ConfChange(Transition.AUTO, many), "more than 1024");
    ConfState ok = apply(ONE_TWO_THREE, new ConfChange(Transition.AUTO, many.subList(0, 1024)));
    assertThat(ok.learners()).hasSize(1025);
  }

  // ------------------------------------------------------------------ joint consensus

  @Test
  void jointChangeKeepsTheOldVotersAsTheOutgoingHalf() {
    ConfState next =
        apply(
            ONE_TWO_THREE,
            joint(
                Transition.AUTO,
                new Change(ChangeType.ADD_VOTER, 4),
                new Change(ChangeType.ADD_VOTER, 5),
                new Change(ChangeType.REMOVE, 1)));

    assertThat(next.voters()).containsExactly(2L, 3L, 4L, 5L);
    assertThat(next.votersOutgoing()).containsExactly(1L, 2L, 3L);
    assertThat(next.learners()).isEmpty();
    assertThat(next.isVoter(1)).isTrue();
    assertThat(next.members()).containsExactly(1L, 2L, 3L, 4L, 5L);
  }

  @Test
  void implicitJointIsLeftAutomaticallyAndExplicitIsNot() {
    Change add = new Change(ChangeType.ADD_VOTER, 5);

    assertThat(apply(ONE_TWO_THREE, joint(Transition.JOINT_IMPLICIT, add)).autoLeave()).isTrue();
    assertThat(apply(ONE_TWO_THREE, joint(Transition.JOINT_EXPLICIT, add)).autoLeave()).isFalse();
    assertThat(apply(ONE_TWO_THREE, joint(Transition.JOINT_EXPLICIT, add)).isJoint()).isTrue();
  }

  @Test
  void demotedVoterKeepsVotingInTheOutgoingHalfUntilTheJointStateIsLeft() {
    ConfState joint =
        apply(
            ONE_TWO_THREE, joint(Transition.JOINT_EXPLICIT, new Change(ChangeType.ADD_LEARNER, 3)));

    assertThat(joint.voters()).containsExactly(1L, 2L);
    assertThat(joint.votersOutgoing()).containsExactly(1L, 2L, 3L);
    assertThat(joint.learners()).containsExactly(4L);
    assertThat(joint.learnersNext()).containsExactly(3L);
    assertThat(joint.isVoter(3)).isTrue();
    assertThat(joint.isLearner(3)).isTrue();

    ConfState left = apply(joint, ConfChange.leaveJoint());

    assertThat(left).isEqualTo(ConfState.of(List.of(1L, 2L), List.of(3L, 4L)));
  }

  @Test
  void removedThenReAddedAsLearnerInOneChangeBecomesALearnerNext() {
    ConfState joint =
        apply(
            ONE_TWO_THREE,
            joint(
                Transition.AUTO,
                new Change(ChangeType.REMOVE, 2),
                new Change(ChangeType.ADD_LEARNER, 2)));

    assertThat(joint.learnersNext()).containsExactly(2L);
    assertThat(joint.learners()).containsExactly(4L);
  }

  @Test
  void laterChangesInOneJointChangeOverrideEarlierOnes() {
    ConfState joint =
        apply(
            ONE_TWO_THREE,
            joint(
                Transition.AUTO,
                new Change(ChangeType.ADD_LEARNER, 3),
                new Change(ChangeType.ADD_VOTER, 3),
                new Change(ChangeType.ADD_VOTER, 6),
                new Change(ChangeType.REMOVE, 6)));

    assertThat(joint.voters()).containsExactly(1L, 2L, 3L);
    assertThat(joint.learnersNext()).isEmpty();
    assertThat(joint.members()).doesNotContain(6L);
  }

  @Test
  void leavingJointDropsTheOutgoingHalf() {
    ConfState joint =
        apply(
            ONE_TWO_THREE,
            joint(
                Transition.AUTO,
                new Change(ChangeType.REMOVE, 1),
                new Change(ChangeType.ADD_VOTER, 5)));

    ConfState left = apply(joint, ConfChange.leaveJoint());

    assertThat(left).isEqualTo(ConfState.of(List.of(2L, 3L, 5L), List.of(4L)));
    assertThat(left.autoLeave()).isFalse();
  }

  @Test
  void leaveWhenNotJointIsRejected() {
    assertRejected(ONE_TWO_THREE, ConfChange.leaveJoint(), "not in a joint");
  }

  @Test
  void changeWhileJointIsRejected() {
    ConfState joint =
        apply(ONE_TWO_THREE, joint(Transition.JOINT_EXPLICIT, new Change(ChangeType.ADD_VOTER, 5)));

    assertRejected(joint, simple(ChangeType.ADD_VOTER, 6), "leave it first");
    assertRejected(
        joint,
        joint(Transition.JOINT_IMPLICIT, new Change(ChangeType.REMOVE, 1)),
        "leave it first");
  }

  @Test
  void jointChangeFromZeroVotersIsRejected() {
    assertRejected(
        ConfState.EMPTY,
        joint(Transition.JOINT_IMPLICIT, new Change(ChangeType.ADD_VOTER, 1)),
        "zero voters");
  }

  @Test
  void jointChangeRemovingEveryIncomingVoterIsRejected() {
    assertRejected(
        ConfState.ofVoters(List.of(1L, 2L)),
        joint(Transition.AUTO, new Change(ChangeType.REMOVE, 1), new Change(ChangeType.REMOVE, 2)),
        "all voters");
  }
}
