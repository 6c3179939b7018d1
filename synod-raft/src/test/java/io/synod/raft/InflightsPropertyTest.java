package io.synod.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.constraints.IntRange;

/** {@link Inflights} against a plain deque of (lastIndex, bytes), over random operations. */
class InflightsPropertyTest {
  record Op(int kind, int arg) {}

  record Message(long lastIndex, long bytes) {}

  @Provide
  Arbitrary<List<Op>> ops() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 9), Arbitraries.integers().between(0, 50))
        .as(Op::new)
        .list()
        .ofMinSize(10)
        .ofMaxSize(200)
        .withSizeDistribution(RandomDistribution.uniform());
  }

  @Property(tries = 300)
  void agreesWithADequeOfMessages(
      @ForAll @IntRange(min = 1, max = 6) int countMax,
      @ForAll @IntRange(min = 1, max = 120) int bytesMax,
      @ForAll("ops") List<Op> ops) {
    Inflights in = new Inflights(countMax, bytesMax);
    ArrayDeque<Message> model = new ArrayDeque<>();
    long lastIndex = 0;
    for (Op op : ops) {
      long modelBytes = model.stream().mapToLong(Message::bytes).sum();
      boolean modelFull = model.size() == countMax || modelBytes >= bytesMax;
      assertThat(in.isFull()).isEqualTo(modelFull);
      if (op.kind() <= 5) {
        if (!modelFull) {
          lastIndex += 1 + op.arg() % 3;
          in.add(lastIndex, op.arg());
          model.add(new Message(lastIndex, op.arg()));
        }
      } else if (op.kind() <= 7) {
        long upTo = lastIndex - op.arg() % 4;
        in.freeLessOrEqual(upTo);
        while (!model.isEmpty() && model.peek().lastIndex() <= upTo) {
          model.poll();
        }
      } else if (op.kind() == 8) {
        in.freeFirst();
        model.poll();
      } else {
        in.reset();
        model.clear();
      }
      assertThat(in.count()).isEqualTo(model.size());
      assertThat(in.bytes()).isEqualTo(model.stream().mapToLong(Message::bytes).sum());
    }
  }
}
