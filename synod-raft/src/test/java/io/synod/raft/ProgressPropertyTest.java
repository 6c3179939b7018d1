package io.synod.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;

/**
 * {@link Progress} driven by random, possibly stale or duplicated, events the way the leader drives
 * it: {@code match < next} always holds and {@code match} never goes back.
 */
class ProgressPropertyTest {
  record Op(int kind, int a, int b) {}

  @Provide
  Arbitrary<List<Op>> ops() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 7),
            Arbitraries.integers().between(0, 40),
            Arbitraries.integers().between(0, 40))
        .as(Op::new)
        .list()
        .ofMinSize(10)
        .ofMaxSize(150)
        .withSizeDistribution(RandomDistribution.uniform());
  }

  @Property(tries = 300)
  void matchStaysBelowNextAndNeverGoesBack(@ForAll("ops") List<Op> ops) {
    Progress pr = new Progress(1, 3, 200, false);
    long lastIndex = 40;
    for (Op op : ops) {
      long matchBefore = pr.match;
      switch (op.kind()) {
        case 0 -> pr.maybeUpdate(op.a());
        case 1 -> {
          if (pr.maybeDecreaseTo(op.a(), op.b()) && pr.state == ProgressState.REPLICATE) {
            pr.becomeProbe();
          }
        }
        case 2 -> {
          if (!pr.isPaused() && pr.next <= lastIndex) {
            long last = Math.min(lastIndex, pr.next + op.a() % 4);
            pr.sentEntries(last, 10L * (last - pr.next + 1), (int) (last - pr.next + 1));
          }
        }
        case 3 -> pr.becomeProbe();
        case 4 -> pr.becomeReplicate();
        case 5 -> {
          Snapshot s = new Snapshot(new SnapshotMeta(op.a(), 1, ConfState.EMPTY), Bytes.EMPTY);
          pr.becomeSnapshot(new SnapshotSender(s, 16, 2, 2));
        }
        case 6 -> pr.inflights.freeLessOrEqual(op.a());
        default -> pr.probeSent = false;
      }
      assertThat(pr.match).isGreaterThanOrEqualTo(matchBefore);
      assertThat(pr.next).as("next after %s in %s", op, pr).isGreaterThan(pr.match);
      if (pr.state != ProgressState.REPLICATE) {
        assertThat(pr.inflights.count()).isZero();
      }
    }
  }
}
