package io.synod.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import io.synod.raft.Entry;
import io.synod.raft.EntryType;
import io.synod.raft.HardState;
import io.synod.storage.WalCodec.Decoded;
import io.synod.storage.WalRecord.EntryRecord;
import io.synod.storage.WalRecord.HardStateRecord;
import io.synod.storage.WalRecord.SegmentHeader;
import io.synod.storage.WalRecord.SnapshotRecord;
import java.nio.ByteBuffer;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class WalCodecTest {

  private static ByteBuffer encode(WalRecord r) {
    ByteBuffer b = ByteBuffer.allocate(WalCodec.encodedSize(r) + 32);
    WalCodec.encode(r, b);
    return b.flip();
  }

  @Provide
  Arbitrary<WalRecord> records() {
    Arbitrary<Long> ids = Arbitraries.longs().between(0, Long.MAX_VALUE);
    Arbitrary<WalRecord> entries =
        Combinators.combine(
                ids,
                Arbitraries.longs().between(0, 1L << 40),
                Arbitraries.longs().between(0, 1L << 40),
                Arbitraries.of(EntryType.values()),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(300))
            .as((g, t, i, k, d) -> new EntryRecord(g, new Entry(t, i, k, Bytes.copyOf(d))));
    Arbitrary<WalRecord> hardStates =
        Combinators.combine(ids, ids, ids, ids)
            .as((g, t, v, c) -> new HardStateRecord(g, new HardState(t, v, c)));
    Arbitrary<WalRecord> snapshots =
        Combinators.combine(ids, ids, ids, Arbitraries.of(true, false))
            .as((g, i, t, inst) -> new SnapshotRecord(g, i, t, inst));
    Arbitrary<WalRecord> headers = Combinators.combine(ids, ids).as(SegmentHeader::new);
    return Arbitraries.oneOf(entries, hardStates, snapshots, headers);
  }

  @Property(tries = 500)
  void everyRecordDecodesToItself(@ForAll("records") WalRecord record) {
    ByteBuffer b = encode(record);

    Decoded d = WalCodec.decode(b);

    assertThat(d).isEqualTo(new Decoded.Valid(record, WalCodec.encodedSize(record)));
  }

  @Property(tries = 500)
  void anyFlippedBitIsDetected(@ForAll("records") WalRecord record, @ForAll long choice) {
    ByteBuffer b = encode(record);
    int size = WalCodec.encodedSize(record);
    long bit = Math.floorMod(choice, size * 8L);
    b.put((int) (bit / 8), (byte) (b.get((int) (bit / 8)) ^ (1 << (bit % 8))));

    assertThat(WalCodec.decode(b)).isInstanceOf(Decoded.Invalid.class);
  }

  @Property(tries = 300)
  void aRecordCutShortIsNeverValid(@ForAll("records") WalRecord record, @ForAll long choice) {
    ByteBuffer b = encode(record);
    int size = WalCodec.encodedSize(record);
    int cut = Math.floorMod(choice, size);
    // What a torn write leaves: the first `cut` bytes, then the zeros the segment was filled with.
    for (int i = cut; i < b.limit(); i++) {
      b.put(i, (byte) 0);
    }

    Decoded d = WalCodec.decode(b);

    assertThat(d).isNotInstanceOf(Decoded.Valid.class);
    if (cut == 0) {
      assertThat(d).isInstanceOf(Decoded.End.class);
    }
  }

  @Property(tries = 300)
  void randomBytesNeverThrow(@ForAll byte[] bytes) {
    Decoded d = WalCodec.decode(ByteBuffer.wrap(bytes));

    assertThat(d).isNotNull();
  }

  @Test
  void nineZeroBytesMarkTheEnd() {
    assertThat(WalCodec.decode(ByteBuffer.allocate(64))).isInstanceOf(Decoded.End.class);
    assertThat(WalCodec.decode(ByteBuffer.allocate(3))).isInstanceOf(Decoded.End.class);
  }

  @Test
  void theLayoutIsPinned() {
    // Logs are kept for years: a change to the layout must be deliberate (and versioned).
    ByteBuffer b = encode(new HardStateRecord(1, new HardState(2, 3, 4)));

    byte[] bytes = new byte[b.remaining()];
    b.get(bytes);
    assertThat(bytes).hasSize(4 + 4 + 1 + 32 + 1);
    // After the 4-byte CRC: length 32, type 3, group 1, term 2, vote 3, commit 4, trailer a5.
    assertThat(Bytes.wrapOwned(bytes).toHex().substring(8))
        .isEqualTo(
            "00000020"
                + "03"
                + "0000000000000001"
                + "0000000000000002"
                + "0000000000000003"
                + "0000000000000004"
                + "a5");
  }

  @Test
  void aRecordListEncodesBackToBack() {
    List<WalRecord> records =
        List.of(
            new SegmentHeader(1, 1),
            new EntryRecord(1, Entry.normal(1, 1, Bytes.utf8("x"))),
            new HardStateRecord(1, new HardState(1, 0, 1)));
    ByteBuffer b = ByteBuffer.allocate(1024);
    records.forEach(r -> WalCodec.encode(r, b));
    b.flip();

    int offset = 0;
    for (WalRecord r : records) {
      Decoded d = WalCodec.decode(b.duplicate().position(offset));
      assertThat(d).isEqualTo(new Decoded.Valid(r, WalCodec.encodedSize(r)));
      offset += WalCodec.encodedSize(r);
    }
    assertThat(WalCodec.decode(b.duplicate().position(offset))).isInstanceOf(Decoded.End.class);
  }
}
