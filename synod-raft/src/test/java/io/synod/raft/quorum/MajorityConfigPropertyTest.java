package io.synod.raft.quorum;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * {@link MajorityConfig} against {@link NaiveQuorum}. Ids are drawn from 1..9 and voter sets have
 * at most 7 members, so match and vote maps name non-members and leave voters out (a missing
 * voter's match is 0, a missing vote is not yet cast).
 */
class MajorityConfigPropertyTest {

  @Provide
  Arbitrary<Set<Long>> voters() {
    return Arbitraries.longs().between(1, 9).set().ofMaxSize(7);
  }

  @Provide
  Arbitrary<Map<Long, Long>> matches() {
    return Arbitraries.maps(Arbitraries.longs().between(1, 9), Arbitraries.longs().between(0, 12))
        .ofMaxSize(9);
  }

  @Provide
  Arbitrary<Map<Long, Boolean>> votes() {
    return Arbitraries.maps(Arbitraries.longs().between(1, 9), Arbitraries.of(true, false))
        .ofMaxSize(9);
  }

  @Property(tries = 500)
  void committedIndexIsTheLargestValueAMajorityHasReached(
      @ForAll("voters") Set<Long> voters, @ForAll("matches") Map<Long, Long> match) {
    long committed = MajorityConfig.of(voters).committedIndex(id -> match.getOrDefault(id, 0L));

    assertThat(committed).isEqualTo(NaiveQuorum.committedIndex(match, voters));
  }

  @Property(tries = 300)
  void committedIndexAsksOnlyVoters(
      @ForAll("voters") Set<Long> voters, @ForAll("matches") Map<Long, Long> match) {
    List<Long> asked = new ArrayList<>();

    MajorityConfig.of(voters)
        .committedIndex(
            id -> {
              asked.add(id);
              return match.getOrDefault(id, 0L);
            });

    assertThat(asked).containsExactlyInAnyOrderElementsOf(voters);
  }

  @Property(tries = 500)
  void voteResultMatchesACountOfTheVotes(
      @ForAll("voters") Set<Long> voters, @ForAll("votes") Map<Long, Boolean> votes) {
    assertThat(MajorityConfig.of(voters).voteResult(votes))
        .isEqualTo(NaiveQuorum.voteResult(voters, votes));
  }

  @Property(tries = 300)
  void votesOfNonMembersAreIgnored(
      @ForAll("voters") Set<Long> voters, @ForAll("votes") Map<Long, Boolean> votes) {
    Map<Long, Boolean> membersOnly = new TreeMap<>(votes);
    membersOnly.keySet().retainAll(voters);
    MajorityConfig config = MajorityConfig.of(voters);

    assertThat(config.voteResult(votes)).isEqualTo(config.voteResult(membersOnly));
  }

  @Property(tries = 300)
  void quorumIsTheSmallestMajority(@ForAll("voters") Set<Long> voters) {
    MajorityConfig config = MajorityConfig.of(voters);

    assertThat(NaiveQuorum.isMajorityOf(config.quorum(), voters.size())).isTrue();
    assertThat(NaiveQuorum.isMajorityOf(config.quorum() - 1, voters.size())).isFalse();
  }
}
