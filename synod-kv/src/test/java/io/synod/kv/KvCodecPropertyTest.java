package io.synod.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.common.Bytes;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** {@link KvCodec}: every command and response round-trips; malformed input always throws. */
class KvCodecPropertyTest {

  // --- generators ---------------------------------------------------------------------------

  static Arbitrary<Bytes> bytes() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(12).map(Bytes::copyOf);
  }

  static Arbitrary<Long> numbers() {
    return Arbitraries.oneOf(
        Arbitraries.longs().between(-3, 300),
        Arbitraries.longs(),
        Arbitraries.of(Long.MIN_VALUE, Long.MAX_VALUE, 0L, -1L));
  }

  static Arbitrary<KvCommand.Put> puts() {
    return Combinators.combine(bytes(), bytes(), numbers(), Arbitraries.integers().between(0, 7))
        .as((k, v, l, f) -> new KvCommand.Put(k, v, l, (f & 1) != 0, (f & 2) != 0, (f & 4) != 0));
  }

  static Arbitrary<KvCommand.DeleteRange> deletes() {
    return Combinators.combine(bytes(), bytes(), Arbitraries.of(true, false))
        .as(KvCommand.DeleteRange::new);
  }

  static Arbitrary<RangeRequest> ranges() {
    return Combinators.combine(
            Combinators.combine(bytes(), bytes(), numbers(), numbers())
                .as((k, e, limit, rev) -> new Object[] {k, e, limit, rev}),
            Arbitraries.of(RangeRequest.SortOrder.class),
            Arbitraries.of(RangeRequest.SortTarget.class),
            Arbitraries.integers().between(0, 7),
            numbers().list().ofSize(4))
        .as(
            (head, order, target, flags, filters) ->
                new RangeRequest(
                    (Bytes) head[0],
                    (Bytes) head[1],
                    (Long) head[2],
                    (Long) head[3],
                    order,
                    target,
                    (flags & 1) != 0,
                    (flags & 2) != 0,
                    (flags & 4) != 0,
                    filters.get(0),
                    filters.get(1),
                    filters.get(2),
                    filters.get(3)));
  }

  static Arbitrary<Compare> compares() {
    return Combinators.combine(
            Arbitraries.of(Compare.Result.class),
            Arbitraries.of(Compare.Target.class),
            bytes(),
            bytes(),
            numbers(),
            bytes())
        .as(Compare::new);
  }

  static Arbitrary<KvCommand.Txn> txns(int depth) {
    Arbitrary<RequestOp> leaf =
        Arbitraries.oneOf(
            ranges().map(RequestOp.Range::new),
            puts().map(RequestOp.Put::new),
            deletes().map(RequestOp.DeleteRange::new));
    Arbitrary<RequestOp> op =
        depth == 0
            ? leaf
            : Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, leaf),
                net.jqwik.api.Tuple.of(
                    1, Arbitraries.lazy(() -> txns(depth - 1)).map(RequestOp.Txn::new)));
    return Combinators.combine(
            compares().list().ofMaxSize(3), op.list().ofMaxSize(4), op.list().ofMaxSize(3))
        .as(KvCommand.Txn::new);
  }

  @Provide
  Arbitrary<KvCommand> commands() {
    return Arbitraries.oneOf(
        puts(),
        deletes(),
        txns(3),
        Combinators.combine(numbers(), Arbitraries.of(true, false)).as(KvCommand.Compact::new),
        Combinators.combine(numbers(), numbers()).as(KvCommand.LeaseGrant::new),
        numbers().map(KvCommand.LeaseRevoke::new),
        Combinators.combine(numbers(), numbers())
            .as(KvCommand.Checkpoint::new)
            .list()
            .ofMaxSize(5)
            .map(KvCommand.LeaseCheckpoint::new));
  }

  static Arbitrary<KeyValue> keyValues() {
    return Combinators.combine(bytes(), numbers(), numbers(), numbers(), bytes(), numbers())
        .as(KeyValue::new);
  }

  static Arbitrary<KvResponse> nestedResponses(int depth) {
    Arbitrary<KvResponse> range =
        Combinators.combine(
                numbers(), keyValues().list().ofMaxSize(3), Arbitraries.of(true, false), numbers())
            .as(KvResponse.Range::new);
    Arbitrary<KvResponse> put =
        Combinators.combine(numbers(), keyValues().optional()).as(KvResponse.Put::new);
    Arbitrary<KvResponse> delete =
        Combinators.combine(numbers(), numbers(), keyValues().list().ofMaxSize(3))
            .as(KvResponse.DeleteRange::new);
    if (depth == 0) {
      return Arbitraries.oneOf(range, put, delete);
    }
    Arbitrary<KvResponse> txn =
        Combinators.combine(
                numbers(),
                Arbitraries.of(true, false),
                nestedResponses(depth - 1).list().ofMaxSize(3))
            .as(KvResponse.Txn::new);
    return Arbitraries.oneOf(range, put, delete, txn);
  }

  @Provide
  Arbitrary<KvResponse> responses() {
    return Arbitraries.oneOf(
        nestedResponses(3),
        numbers().map(KvResponse.Compact::new),
        Combinators.combine(numbers(), numbers(), numbers()).as(KvResponse.LeaseGrant::new),
        numbers().map(KvResponse.LeaseRevoke::new),
        numbers().map(KvResponse.LeaseCheckpoint::new),
        Combinators.combine(numbers(), numbers(), numbers()).as(KvResponse.HashKv::new),
        Arbitraries.of(KvError.class).map(KvResponse.Error::new));
  }

  // --- properties ---------------------------------------------------------------------------

  @Property(tries = 1000)
  void everyCommandRoundTrips(@ForAll("commands") KvCommand command) {
    Bytes encoded = KvCodec.encode(command);
    assertThat(KvCodec.decodeCommand(encoded)).isEqualTo(command);
    assertThat(KvCodec.encode(command)).isEqualTo(encoded);
    assertThat(encoded.byteAt(0)).isEqualTo((byte) KvCodec.VERSION);
  }

  @Property(tries = 1000)
  void everyResponseRoundTrips(@ForAll("responses") KvResponse response) {
    assertThat(KvCodec.decodeResponse(KvCodec.encode(response))).isEqualTo(response);
  }

  @Property(tries = 300)
  void everyTruncationOfACommandIsRejected(@ForAll("commands") KvCommand command) {
    Bytes encoded = KvCodec.encode(command);
    for (int n = 0; n < encoded.size(); n++) {
      Bytes prefix = encoded.slice(0, n);
      assertThatThrownBy(() -> KvCodec.decodeCommand(prefix)).isInstanceOf(KvCodecException.class);
    }
    Bytes longer = encoded.concat(Bytes.wrapOwned(new byte[] {0}));
    assertThatThrownBy(() -> KvCodec.decodeCommand(longer)).isInstanceOf(KvCodecException.class);
  }

  @Property(tries = 300)
  void everyTruncationOfAResponseIsRejected(@ForAll("responses") KvResponse response) {
    Bytes encoded = KvCodec.encode(response);
    for (int n = 0; n < encoded.size(); n++) {
      Bytes prefix = encoded.slice(0, n);
      assertThatThrownBy(() -> KvCodec.decodeResponse(prefix)).isInstanceOf(KvCodecException.class);
    }
  }

  @Property(tries = 2000)
  void randomBytesDecodeOrThrowTheCodecException(@ForAll("garbage") byte[] data) {
    Bytes input = Bytes.copyOf(data);
    for (Runnable decode :
        List.<Runnable>of(
            () -> KvCodec.decodeCommand(input), () -> KvCodec.decodeResponse(input))) {
      try {
        decode.run();
      } catch (KvCodecException expected) {
        // the only failure allowed
      }
    }
  }

  @Property(tries = 1000)
  void corruptedEncodingsDecodeOrThrowTheCodecException(
      @ForAll("commands") KvCommand command,
      @ForAll("responses") KvResponse response,
      @ForAll int position,
      @ForAll byte replacement) {
    for (Bytes valid : List.of(KvCodec.encode(command), KvCodec.encode(response))) {
      byte[] data = valid.toByteArray();
      data[Math.floorMod(position, data.length)] = replacement;
      Bytes corrupt = Bytes.wrapOwned(data);
      try {
        KvCodec.decodeCommand(corrupt);
      } catch (KvCodecException expected) {
        // the only failure allowed
      }
      try {
        KvCodec.decodeResponse(corrupt);
      } catch (KvCodecException expected) {
        // the only failure allowed
      }
    }
  }

  @Provide
  Arbitrary<byte[]> garbage() {
    Arbitrary<byte[]> anything = Arbitraries.bytes().array(byte[].class).ofMaxSize(40);
    Arbitrary<byte[]> versioned =
        anything.map(
            b -> {
              if (b.length > 0) {
                b[0] = (byte) KvCodec.VERSION;
              }
              return b;
            });
    return Arbitraries.oneOf(anything, versioned);
  }

  // --- examples -----------------------------------------------------------------------------

  @Test
  void anUnknownVersionIsReportedAsSuch() {
    Bytes v2 = Bytes.wrapOwned(new byte[] {2, 1});
    assertThatThrownBy(() -> KvCodec.decodeCommand(v2))
        .isInstanceOfSatisfying(
            KvCodecException.class, e -> assertThat(e.unsupportedVersion()).isTrue());
    assertThatThrownBy(() -> KvCodec.decodeCommand(Bytes.wrapOwned(new byte[] {1, 99})))
        .isInstanceOfSatisfying(
            KvCodecException.class, e -> assertThat(e.unsupportedVersion()).isFalse());
  }

  @Test
  void nestingDeeperThanTheLimitIsRejected() {
    KvCommand.Txn t = new KvCommand.Txn(List.of(), List.of(), List.of());
    for (int i = 0; i < KvCodec.MAX_DEPTH + 2; i++) {
      t = new KvCommand.Txn(List.of(), List.of(new RequestOp.Txn(t)), List.of());
    }
    Bytes deep = KvCodec.encode(t);
    assertThatThrownBy(() -> KvCodec.decodeCommand(deep)).isInstanceOf(KvCodecException.class);
  }

  @Test
  void aTxnResponseCannotHoldANonOpResponse() {
    ByteWriter w = new ByteWriter(16);
    w.writeByte(KvCodec.VERSION).writeByte(4).writeSigned(1).writeBoolean(true).writeUnsigned(1);
    w.writeByte(5).writeSigned(3); // a Compact response inside
    assertThatThrownBy(() -> KvCodec.decodeResponse(w.toBytes()))
        .isInstanceOf(KvCodecException.class);
    assertThat(KvCodec.decodeResponse(KvCodec.encode(new KvResponse.Put(3, Optional.empty()))))
        .isEqualTo(new KvResponse.Put(3, Optional.empty()));
  }
}
