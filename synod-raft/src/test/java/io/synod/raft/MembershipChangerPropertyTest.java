package io.synod.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.raft.ConfChange.Change;
import io.synod.raft.ConfChange.ChangeType;
import io.synod.raft.ConfChange.Transition;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;

/**
 * {@link MembershipChanger} over random sequences of changes on nodes 1..6, with rejected changes
 * skipped as every replica skips them. The configuration stays well formed, and once any joint
 * state is left it is what applying the changes one by one to plain sets gives.
 */
class MembershipChangerPropertyTest {

  @Provide
  Arbitrary<List<ConfChange>> changeSequences() {
    Arbitrary<Change> change =
        Combinators.combine(Arbitraries.of(ChangeType.class), Arbitraries.longs().between(1, 6))
            .as(Change::new);
    Arbitrary<ConfChange> conf =
        Combinators.combine(Arbitraries.of(Transition.class), change.list().ofMaxSize(3))
            .as(ConfChange::new);
    return conf.list()
        .ofMinSize(5)
        .ofMaxSize(40)
        .withSizeDistribution(RandomDistribution.uniform());
  }

  @Provide
  Arbitrary<Set<Long>> initialVoters() {
    return Arbitraries.longs().between(1, 6).set().ofMinSize(1).ofMaxSize(3);
  }

  @Property(tries = 500)
  void configurationStaysWellFormed(
      @ForAll("initialVoters") Set<Long> voters,
      @ForAll("changeSequences") List<ConfChange> changes) {
    ConfState conf = ConfState.ofVoters(voters);
    for (ConfChange change : changes) {
      ConfState next;
      try {
        next = MembershipChanger.apply(conf, change);
      } catch (IllegalArgumentException rejected) {
        continue;
      }
      String where = conf + " + " + change + " = " + next;
      assertWellFormed(next, where);
      if (change.isLeaveJoint()) {
        assertThat(conf.isJoint()).as(where).isTrue();
        assertThat(next.voters()).as(where).isEqualTo(conf.voters());
        assertThat(next.learners())
            .as(where)
            .containsExactlyInAnyOrderElementsOf(union(conf.learners(), conf.learnersNext()));
      } else {
        assertThat(conf.isJoint()).as(where).isFalse();
        Sets plain = Sets.applyOneByOne(conf, change.changes());
        if (change.entersJoint()) {
          assertThat(next.votersOutgoing()).as(where).isEqualTo(conf.voters());
          assertThat(next.autoLeave()).as(where).isEqualTo(change.autoLeave());
          assertThat(next.voters()).as(where).containsExactlyElementsOf(plain.voters);
          assertThat(union(next.learners(), next.learnersNext()))
              .as(where)
              .containsExactlyElementsOf(plain.learners);
        } else {
          assertThat(next.isJoint()).as(where).isFalse();
          assertThat(next.voters()).as(where).containsExactlyElementsOf(plain.voters);
          assertThat(next.learners()).as(where).containsExactlyElementsOf(plain.learners);
          assertThat(symmetricDifference(conf.voters(), next.voters()))
              .as(where)
              .hasSizeLessThan(2);
        }
      }
      conf = next;
    }
  }

  private static void assertWellFormed(ConfState c, String where) {
    assertThat(c.voters()).as("no voters: " + where).isNotEmpty();
    assertThat(intersection(c.voters(), c.learners())).as(where).isEmpty();
    assertThat(intersection(c.votersOutgoing(), c.learners())).as(where).isEmpty();
    assertThat(intersection(c.voters(), c.learnersNext())).as(where).isEmpty();
    assertThat(intersection(c.learners(), c.learnersNext())).as(where).isEmpty();
    assertThat(c.votersOutgoing()).as(where).containsAll(c.learnersNext());
    if (!c.isJoint()) {
      assertThat(c.learnersNext()).as(where).isEmpty();
      assertThat(c.autoLeave()).as(where).isFalse();
    }
  }

  /** The changes applied one by one to plain sets of voters and learners. */
  private static final class Sets {
    final TreeSet<Long> voters;
    final TreeSet<Long> learners;

    private Sets(ConfState c) {
      voters = new TreeSet<>(c.voters());
      learners = new TreeSet<>(c.learners());
    }

    static Sets applyOneByOne(ConfState c, List<Change> changes) {
      Sets s = new Sets(c);
      for (Change change : changes) {
        long id = change.nodeId();
        s.voters.remove(id);
        s.learners.remove(id);
        switch (change.type()) {
          case ADD_VOTER -> s.voters.add(id);
          case ADD_LEARNER -> s.learners.add(id);
          case REMOVE -> {}
        }
      }
      return s;
    }
  }

  private static TreeSet<Long> union(List<Long> a, List<Long> b) {
    TreeSet<Long> out = new TreeSet<>(a);
    out.addAll(b);
    return out;
  }

  private static TreeSet<Long> intersection(List<Long> a, List<Long> b) {
    TreeSet<Long> out = new TreeSet<>(a);
    out.retainAll(b);
    return out;
  }

  private static TreeSet<Long> symmetricDifference(List<Long> a, List<Long> b) {
    TreeSet<Long> out = union(a, b);
    out.removeAll(intersection(a, b));
    return out;
  }
}
