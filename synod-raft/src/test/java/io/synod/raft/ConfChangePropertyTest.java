package io.synod.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import io.synod.raft.ConfChange.Change;
import io.synod.raft.ConfChange.ChangeType;
import io.synod.raft.ConfChange.Transition;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The codec of {@link ConfChange}: it round-trips, and bad input only ever fails one way. */
class ConfChangePropertyTest {

  @Provide
  Arbitrary<ConfChange> changes() {
    Arbitrary<Long> ids =
        Arbitraries.oneOf(
            Arbitraries.longs().between(1, 10), Arbitraries.longs().between(1, Long.MAX_VALUE));
    Arbitrary<Change> change =
        Combinators.combine(Arbitraries.of(ChangeType.class), ids).as(Change::new);
    Arbitrary<Bytes> contexts =
        Arbitraries.oneOf(
            Arbitraries.just(Bytes.EMPTY),
            Arbitraries.bytes().array(byte[].class).ofMaxSize(16).map(Bytes::copyOf));
    return Combinators.combine(
            Arbitraries.of(Transition.class), change.list().ofMaxSize(12), contexts)
        .as(ConfChange::new);
  }

  @Property(tries = 500)
  void decodeReadsBackWhatEncodeWrote(@ForAll("changes") ConfChange cc) {
    assertThat(ConfChange.decode(cc.encode())).isEqualTo(cc);
  }

  @Property(tries = 1000)
  void randomBytesDecodeToAValidChangeOrAreRejected(@ForAll @Size(max = 48) byte[] data) {
    assertDecodesCanonicallyOrIsRejected(Bytes.copyOf(data));
  }

  @Property(tries = 1000)
  void damagedEncodingsDecodeToAValidChangeOrAreRejected(
      @ForAll("changes") ConfChange cc,
      @ForAll @IntRange(min = 0, max = 200) int cut,
      @ForAll @IntRange(min = 0, max = 200) int position,
      @ForAll byte value) {
    byte[] bytes = cc.encode().toByteArray();
    byte[] damaged = bytes.clone();
    damaged[position % damaged.length] = value;

    assertDecodesCanonicallyOrIsRejected(Bytes.copyOf(bytes, 0, cut % (bytes.length + 1)));
    assertDecodesCanonicallyOrIsRejected(Bytes.copyOf(damaged));
    assertDecodesCanonicallyOrIsRejected(cc.encode().concat(Bytes.copyOf(new byte[] {value})));
  }

  /**
   * Decoding either throws {@link IllegalArgumentException} (and nothing else), or returns a change
   * that encodes back to exactly the same bytes, so two replicas can never read one entry two ways.
   */
  private static void assertDecodesCanonicallyOrIsRejected(Bytes data) {
    ConfChange decoded;
    try {
      decoded = ConfChange.decode(data);
    } catch (IllegalArgumentException rejected) {
      return;
    }
    assertThat(decoded.encode()).isEqualTo(data);
    assertThat(decoded.changes()).allMatch(c -> c.nodeId() > 0);
    assertThat(new Entry(1, 1, EntryType.CONF_CHANGE, data).toString()).isNotEmpty();
  }

  @Property(tries = 200)
  void everyChangeMembershipAcceptsCanBeDecoded(
      @ForAll("changes") ConfChange cc, @ForAll @IntRange(min = 0, max = 2) int extra) {
    ConfState current = ConfState.of(List.of(1L, 2L, 3L), List.of(4L));
    ConfChange bigger = cc;
    if (extra > 0) {
      // Far more changes than any real operator sends, around the decoder's limit.
      List<Change> many = new ArrayList<>(cc.changes());
      for (long id = 100; many.size() < 1023 + extra; id++) {
        many.add(new Change(ChangeType.ADD_LEARNER, id));
      }
      bigger = new ConfChange(cc.transition(), many);
    }
    try {
      MembershipChanger.apply(current, bigger);
    } catch (IllegalArgumentException rejected) {
      return;
    }
    assertThat(ConfChange.decode(bigger.encode())).isEqualTo(bigger);
  }
}
