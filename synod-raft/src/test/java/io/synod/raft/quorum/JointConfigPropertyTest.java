package io.synod.raft.quorum;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** {@link JointConfig} against {@link NaiveQuorum}, with overlapping or disjoint random halves. */
class JointConfigPropertyTest {

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

  private static JointConfig joint(Set<Long> in, Set<Long> out) {
    return new JointConfig(MajorityConfig.of(in), MajorityConfig.of(out));
  }

  @Property(tries = 500)
  void committedIndexIsTheLargestValueBothMajoritiesHaveReached(
      @ForAll("voters") Set<Long> in,
      @ForAll("voters") Set<Long> out,
      @ForAll("matches") Map<Long, Long> match) {
    long committed = joint(in, out).committedIndex(id -> match.getOrDefault(id, 0L));

    assertThat(committed).isEqualTo(NaiveQuorum.committedIndex(match, in, out));
  }

  @Property(tries = 300)
  void committedIndexIsTheSmallerOfBothHalves(
      @ForAll("voters") Set<Long> in,
      @ForAll("voters") Set<Long> out,
      @ForAll("matches") Map<Long, Long> match) {
    long committed = joint(in, out).committedIndex(id -> match.getOrDefault(id, 0L));

    assertThat(committed)
        .isEqualTo(
            Math.min(
                NaiveQuorum.committedIndex(match, in), NaiveQuorum.committedIndex(match, out)));
  }

  @Property(tries = 500)
  void voteResultNeedsBothHalves(
      @ForAll("voters") Set<Long> in,
      @ForAll("voters") Set<Long> out,
      @ForAll("votes") Map<Long, Boolean> votes) {
    assertThat(joint(in, out).voteResult(votes))
        .isEqualTo(NaiveQuorum.jointVoteResult(in, out, votes));
  }

  @Property(tries = 300)
  void withoutAnOutgoingHalfItBehavesAsTheIncomingOne(
      @ForAll("voters") Set<Long> in,
      @ForAll("matches") Map<Long, Long> match,
      @ForAll("votes") Map<Long, Boolean> votes) {
    JointConfig config = joint(in, Set.of());
    MajorityConfig incoming = MajorityConfig.of(in);

    assertThat(config.isJoint()).isFalse();
    assertThat(config.committedIndex(id -> match.getOrDefault(id, 0L)))
        .isEqualTo(incoming.committedIndex(id -> match.getOrDefault(id, 0L)));
    assertThat(config.voteResult(votes)).isEqualTo(incoming.voteResult(votes));
  }

  @Property(tries = 300)
  void idsAndContainsCoverBothHalves(
      @ForAll("voters") Set<Long> in, @ForAll("voters") Set<Long> out) {
    TreeSet<Long> both = new TreeSet<>(in);
    both.addAll(out);
    JointConfig config = joint(in, out);

    assertThat(config.ids()).containsExactlyElementsOf(both);
    for (long id = 0; id <= 10; id++) {
      assertThat(config.contains(id)).isEqualTo(both.contains(id));
    }
  }
}
