package io.synod.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Model-based test: random sequences of puts, deletes, txns (nested), compactions, lease grants and
 * revokes, and ranges at random revisions with random options, applied to the state machine
 * (through the codec) and to {@link ModelKv}. Every response (results, revisions, counts, more,
 * errors) must be equal, and the whole key space must be equal at every readable revision.
 */
class MvccModelPropertyTest {

  @Provide
  Arbitrary<List<Long>> seeds() {
    return Arbitraries.longs().list().ofMinSize(10).ofMaxSize(150);
  }

  @Property(tries = 300)
  void stateMachineAgreesWithTheNaiveModel(@ForAll("seeds") List<Long> seeds) {
    Kv kv = new Kv();
    ModelKv model = new ModelKv();
    List<String> done = new ArrayList<>();
    for (long seed : seeds) {
      CommandGenerator gen = new CommandGenerator(seed, model);
      KvCommand command = gen.next();
      if (command == null) {
        RangeRequest q = gen.range();
        assertThat(kv.range(q)).as("range %s", q).isEqualTo(model.range(q));
        continue;
      }
      long index = kv.index + 1;
      KvResponse expected = model.apply(command, index);
      KvResponse actual = kv.apply(command);
      done.add(command + " -> " + actual);
      try {
        kv.sm.store().checkInvariants();
      } catch (AssertionError e) {
        throw new AssertionError("after\n" + String.join("\n", done), e);
      }
      assertThat(actual).as("apply %s", command).isEqualTo(expected);
      assertThat(kv.sm.revision()).isEqualTo(model.revision());
      assertThat(kv.sm.compactRevision()).isEqualTo(model.compact);
    }
    kv.sm.store().checkInvariants();
    assertSameHistory(kv, model);
    assertThat(kv.sm.leases().ids()).isEqualTo(new ArrayList<>(model.leases.keySet()));
  }

  static void assertSameHistory(Kv kv, ModelKv model) {
    for (long rev = Math.max(1, model.compact); rev <= model.revision(); rev++) {
      RangeRequest all =
          new RangeRequest(
              Kv.ZERO,
              Kv.ZERO,
              0,
              rev,
              RangeRequest.SortOrder.NONE,
              RangeRequest.SortTarget.KEY,
              false,
              false,
              false,
              0,
              0,
              0,
              0);
      KvResponse.Range r = (KvResponse.Range) kv.range(all);
      assertThat(r.kvs())
          .as("revision %d", rev)
          .isEqualTo(new ArrayList<>(model.stateAt(rev).values()));
    }
    for (long lease : model.leases.keySet()) {
      List<Bytes> attached = new ArrayList<>();
      model.latest().values().stream()
          .filter(x -> x.lease() == lease)
          .forEach(x -> attached.add(x.key()));
      assertThat(kv.sm.leases().keys(lease)).isEqualTo(attached);
    }
  }
}
