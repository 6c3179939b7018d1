package io.synod.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.common.Bytes;
import io.synod.raft.RaftMessage.AppendRequest;
import io.synod.raft.RaftMessage.AppendResponse;
import io.synod.raft.RaftMessage.HeartbeatRequest;
import io.synod.raft.RaftMessage.HeartbeatResponse;
import io.synod.raft.RaftMessage.ReadIndexRequest;
import io.synod.raft.RaftMessage.ReadIndexResponse;
import io.synod.raft.RaftMessage.SnapshotChunk;
import io.synod.raft.RaftMessage.SnapshotChunkResponse;
import io.synod.raft.RaftMessage.TimeoutNow;
import io.synod.raft.RaftMessage.VoteRequest;
import io.synod.raft.RaftMessage.VoteResponse;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class RaftCodecPropertyTest {

  private static Arbitrary<Long> nat() {
    return Arbitraries.longs().between(0, Long.MAX_VALUE);
  }

  private static Arbitrary<Bytes> bytes() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(64).map(Bytes::copyOf);
  }

  private static Arbitrary<Entry> entries() {
    return Combinators.combine(nat(), nat(), Arbitraries.of(EntryType.values()), bytes())
        .as(Entry::new);
  }

  private static Arbitrary<ConfState> confs() {
    Arbitrary<List<Long>> ids = Arbitraries.longs().between(1, 9).list().ofMaxSize(4);
    return Combinators.combine(ids, ids, ids, ids, Arbitraries.of(true, false)).as(ConfState::new);
  }

  @Provide
  Arbitrary<Envelope> envelopes() {
    Arbitrary<RaftMessage> bodies =
        Arbitraries.oneOf(
            Combinators.combine(
                    Arbitraries.of(true, false), nat(), nat(), Arbitraries.of(true, false))
                .as(VoteRequest::new),
            Combinators.combine(
                    Arbitraries.of(true, false), Arbitraries.of(true, false), nat(), nat())
                .as(VoteResponse::new),
            Combinators.combine(
                    nat(), nat(), entries().list().ofMaxSize(5), nat(), Arbitraries.of(true, false))
                .as(AppendRequest::new),
            Combinators.combine(Arbitraries.of(true, false), nat(), nat(), nat())
                .as(AppendResponse::new),
            Combinators.combine(nat(), nat()).as(HeartbeatRequest::new),
            nat().map(HeartbeatResponse::new),
            Combinators.combine(nat(), nat(), confs(), nat(), nat(), bytes())
                .as(
                    (i, t, c, total, off, d) ->
                        new SnapshotChunk(new SnapshotMeta(i, t, c), total, off, d)),
            Combinators.combine(nat(), nat()).as(SnapshotChunkResponse::new),
            Arbitraries.just(new TimeoutNow()),
            Arbitraries.longs().map(ReadIndexRequest::new),
            Combinators.combine(Arbitraries.longs(), nat()).as(ReadIndexResponse::new));
    return Combinators.combine(
            Arbitraries.longs(), Arbitraries.longs(), Arbitraries.longs(), nat(), bodies)
        .as(Envelope::new);
  }

  @Property(tries = 1000)
  void everyEnvelopeDecodesToItself(@ForAll("envelopes") Envelope e) {
    Bytes wire = RaftCodec.encode(e);

    assertThat(wire.size()).isEqualTo(RaftCodec.size(e));
    assertThat(RaftCodec.decode(wire)).isEqualTo(e);
  }

  @Property(tries = 500)
  void truncatedOrExtendedInputIsRejectedCleanly(@ForAll("envelopes") Envelope e, @ForAll int cut) {
    Bytes wire = RaftCodec.encode(e);
    int at = Math.floorMod(cut, wire.size());

    assertThatThrownBy(() -> RaftCodec.decode(wire.slice(0, at)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RaftCodec.decode(wire.concat(Bytes.utf8("x"))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Property(tries = 500)
  void randomBytesEitherDecodeOrAreRejected(@ForAll byte[] junk) {
    Envelope e;
    try {
      e = RaftCodec.decode(Bytes.copyOf(junk));
    } catch (IllegalArgumentException rejected) {
      return; // a clean rejection is the expected answer to junk
    }
    // Junk that happens to decode must be a real message: it survives a round trip unchanged.
    assertThat(RaftCodec.decode(RaftCodec.encode(e))).isEqualTo(e);
  }
}
