package io.synod.raft.quorum;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JointConfigTest {
  /** Moving from {1,2,3} to {3,4,5}: 3 votes in both halves. */
  private static final JointConfig MOVING =
      new JointConfig(
          MajorityConfig.of(List.of(3L, 4L, 5L)), MajorityConfig.of(List.of(1L, 2L, 3L)));

  @Test
  void jointCommitIndexIsTheSmallerOfBothHalves() {
    Map<Long, Long> match = Map.of(1L, 10L, 2L, 10L, 3L, 6L, 4L, 4L, 5L, 2L);

    // The outgoing half {1,2,3} reached 10, the incoming half {3,4,5} only 4.
    assertThat(MOVING.committedIndex(match::get)).isEqualTo(4);
  }

  @Test
  void nonJointConfigBehavesAsItsIncomingHalf() {
    JointConfig plain =
        new JointConfig(MajorityConfig.of(List.of(1L, 2L, 3L)), MajorityConfig.EMPTY);
    Map<Long, Long> match = Map.of(1L, 5L, 2L, 4L, 3L, 3L);

    assertThat(plain.isJoint()).isFalse();
    assertThat(plain.committedIndex(match::get)).isEqualTo(4);
    assertThat(plain.voteResult(Map.of(1L, true, 2L, true))).isEqualTo(VoteResult.WON);
    assertThat(plain).hasToString("[1, 2, 3]");
  }

  @Test
  void emptyJointConfigCommitsEverythingAndWinsEveryVote() {
    assertThat(JointConfig.EMPTY.committedIndex(id -> 1)).isEqualTo(Long.MAX_VALUE);
    assertThat(JointConfig.EMPTY.voteResult(Map.of())).isEqualTo(VoteResult.WON);
  }

  @Test
  void electionIsWonOnlyWhenBothHalvesWin() {
    // 3, 4 and 5 win the incoming half; 1 and 2 have not voted, so the outgoing one is pending.
    assertThat(MOVING.voteResult(Map.of(3L, true, 4L, true, 5L, true)))
        .isEqualTo(VoteResult.PENDING);
    assertThat(MOVING.voteResult(Map.of(3L, true, 4L, true, 1L, true))).isEqualTo(VoteResult.WON);
  }

  @Test
  void lossInEitherHalfLosesTheElection() {
    // 4 and 5 win the incoming half {3,4,5}; 1 and 3 refusing lose the outgoing half {1,2,3}.
    assertThat(MOVING.voteResult(Map.of(3L, false, 4L, true, 5L, true, 1L, false)))
        .isEqualTo(VoteResult.LOST);
    // The outgoing half has not answered, the incoming one is lost.
    assertThat(MOVING.voteResult(Map.of(4L, false, 5L, false))).isEqualTo(VoteResult.LOST);
  }

  @Test
  void aRefusalThatStillLeavesAMajorityPossibleKeepsTheElectionPending() {
    assertThat(MOVING.voteResult(Map.of(3L, false, 4L, true, 5L, true)))
        .isEqualTo(VoteResult.PENDING);
  }

  @Test
  void idsListEveryVoterOnceInOrder() {
    assertThat(MOVING.ids()).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(MOVING.contains(1)).isTrue();
    assertThat(MOVING.contains(5)).isTrue();
    assertThat(MOVING.contains(6)).isFalse();
    assertThat(MOVING).hasToString("[3, 4, 5]&&[1, 2, 3]");
  }
}
