package io.synod.raft.quorum;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MajorityConfigTest {
  private static final MajorityConfig THREE = MajorityConfig.of(List.of(1L, 2L, 3L));
  private static final MajorityConfig FOUR = MajorityConfig.of(List.of(1L, 2L, 3L, 4L));

  @Test
  void commitIndexIsTheQuorumThLargestMatch() {
    Map<Long, Long> match = Map.of(1L, 9L, 2L, 5L, 3L, 7L);

    assertThat(THREE.committedIndex(match::get)).isEqualTo(7);
  }

  @Test
  void evenSizedConfigNeedsMoreThanHalf() {
    Map<Long, Long> match = Map.of(1L, 9L, 2L, 8L, 3L, 2L, 4L, 1L);

    assertThat(FOUR.quorum()).isEqualTo(3);
    assertThat(FOUR.committedIndex(match::get)).isEqualTo(2);
  }

  @Test
  void singleVoterCommitsItsOwnMatch() {
    assertThat(MajorityConfig.of(List.of(5L)).committedIndex(id -> 42)).isEqualTo(42);
  }

  @Test
  void emptyConfigCommitsEverythingAndWinsEveryVote() {
    assertThat(MajorityConfig.EMPTY.committedIndex(id -> 3)).isEqualTo(Long.MAX_VALUE);
    assertThat(MajorityConfig.EMPTY.voteResult(Map.of())).isEqualTo(VoteResult.WON);
    assertThat(MajorityConfig.of(List.of())).isSameAs(MajorityConfig.EMPTY);
  }

  @Test
  void idsAreSortedWithoutDuplicates() {
    MajorityConfig config = MajorityConfig.of(List.of(3L, 1L, 3L, 2L));

    assertThat(config.ids()).containsExactly(1, 2, 3);
    assertThat(config.size()).isEqualTo(3);
    assertThat(config).isEqualTo(THREE).hasSameHashCodeAs(THREE).hasToString("[1, 2, 3]");
  }

  @Test
  void idsReturnsACopy() {
    THREE.ids()[0] = 99;

    assertThat(THREE.contains(1)).isTrue();
    assertThat(THREE.contains(99)).isFalse();
  }

  @Test
  void electionIsPendingUntilAMajorityHasAnswered() {
    assertThat(THREE.voteResult(Map.of())).isEqualTo(VoteResult.PENDING);
    assertThat(THREE.voteResult(Map.of(1L, true))).isEqualTo(VoteResult.PENDING);
    assertThat(THREE.voteResult(Map.of(1L, true, 2L, false))).isEqualTo(VoteResult.PENDING);
  }

  @Test
  void electionIsWonByAMajorityOfGrants() {
    assertThat(THREE.voteResult(Map.of(1L, true, 3L, true))).isEqualTo(VoteResult.WON);
    assertThat(FOUR.voteResult(Map.of(1L, true, 2L, true))).isEqualTo(VoteResult.PENDING);
    assertThat(FOUR.voteResult(Map.of(1L, true, 2L, true, 4L, true))).isEqualTo(VoteResult.WON);
  }

  @Test
  void electionIsLostOnceAMajorityCanNoLongerBeReached() {
    assertThat(THREE.voteResult(Map.of(1L, false, 2L, false))).isEqualTo(VoteResult.LOST);
    assertThat(FOUR.voteResult(Map.of(1L, false, 2L, false))).isEqualTo(VoteResult.LOST);
  }

  @Test
  void nonMemberVotesAreIgnored() {
    Map<Long, Boolean> strangers = Map.of(7L, true, 8L, true, 9L, true, 1L, true);

    assertThat(THREE.voteResult(strangers)).isEqualTo(VoteResult.PENDING);
  }
}
