package io.synod.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.common.Bytes;
import io.synod.raft.ConfState;
import io.synod.raft.Entry;
import io.synod.raft.EntryType;
import io.synod.raft.SnapshotMeta;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Snapshots: restoring an image reproduces the state exactly (same later images, hashes, reads and
 * responses), and equal command sequences give byte-identical images and hashes.
 */
class SnapshotPropertyTest {
  static final SnapshotMeta META = new SnapshotMeta(7, 1, ConfState.EMPTY);

  @Provide
  Arbitrary<List<Long>> seeds() {
    return Arbitraries.longs().list().ofMinSize(5).ofMaxSize(80);
  }

  @Property(tries = 150)
  void aRestoredReplicaIsIndistinguishableFromTheOriginal(
      @ForAll("seeds") List<Long> seeds, @ForAll @IntRange(min = 0, max = 100) int cutPercent) {
    int cut = seeds.size() * cutPercent / 100;
    Kv original = new Kv();
    ModelKv model = new ModelKv();
    Kv restored = null;
    for (int i = 0; i < seeds.size(); i++) {
      if (i == cut) {
        restored = new Kv();
        restored.sm.restore(META, original.sm.snapshot());
        restored.index = original.index;
        restored.sm.store().checkInvariants();
        assertThat(restored.sm.snapshot()).isEqualTo(original.sm.snapshot());
      }
      CommandGenerator gen = new CommandGenerator(seeds.get(i), model);
      KvCommand c = gen.next();
      if (c == null) {
        RangeRequest q = gen.range();
        if (restored != null) {
          assertThat(restored.range(q)).isEqualTo(original.range(q));
        }
        continue;
      }
      model.apply(c, original.index + 1);
      KvResponse expected = original.apply(c);
      if (restored != null) {
        assertThat(restored.apply(c)).as("after restore: %s", c).isEqualTo(expected);
      }
    }
    if (restored == null) {
      restored = new Kv();
      restored.sm.restore(META, original.sm.snapshot());
    }
    restored.sm.store().checkInvariants();
    assertThat(restored.sm.snapshot()).isEqualTo(original.sm.snapshot());
    assertThat(restored.sm.stateHash()).isEqualTo(original.sm.stateHash());
    assertThat(restored.sm.hashKv(0)).isEqualTo(original.sm.hashKv(0));
    assertThat(restored.sm.leases().ids()).isEqualTo(original.sm.leases().ids());
    for (long lease : original.sm.leases().ids()) {
      assertThat(restored.sm.leases().keys(lease)).isEqualTo(original.sm.leases().keys(lease));
      assertThat(restored.sm.leases().lease(lease)).isEqualTo(original.sm.leases().lease(lease));
    }
    MvccModelPropertyTest.assertSameHistory(restored, model);
  }

  @Property(tries = 100)
  void theImageIsCountedExactlyAndFollowsAPrefixUnchanged(@ForAll("seeds") List<Long> seeds) {
    Kv kv = new Kv();
    ModelKv model = new ModelKv();
    for (long seed : seeds) {
      KvCommand c = new CommandGenerator(seed, model).next();
      if (c != null) {
        model.apply(c, kv.index + 1);
        kv.apply(c);
      }
    }
    Bytes image = kv.sm.snapshot();
    assertThat(StoreImage.size(kv.sm.store(), kv.sm.leases())).isEqualTo(image.size());
    Bytes prefix = Bytes.utf8("a header");
    assertThat(kv.sm.snapshot(prefix)).isEqualTo(prefix.concat(image));
  }

  /**
   * A captured image is the state at the capture, whatever is applied afterwards (compactions that
   * shift the revision log, deletes, lease revokes and checkpoints included).
   */
  @Property(tries = 150)
  void aCapturedImageIgnoresLaterChanges(
      @ForAll("seeds") List<Long> seeds, @ForAll @IntRange(min = 0, max = 100) int cutPercent) {
    int cut = seeds.size() * cutPercent / 100;
    Kv kv = new Kv();
    ModelKv model = new ModelKv();
    Supplier<Bytes> captured = null;
    Bytes atCapture = null;
    for (int i = 0; i < seeds.size(); i++) {
      if (i == cut) {
        captured = kv.sm.captureSnapshot(Bytes.utf8("h"));
        atCapture = kv.sm.snapshot(Bytes.utf8("h"));
      }
      KvCommand c = new CommandGenerator(seeds.get(i), model).next();
      if (c != null) {
        model.apply(c, kv.index + 1);
        kv.apply(c);
      }
    }
    if (captured == null) {
      captured = kv.sm.captureSnapshot(Bytes.utf8("h"));
      atCapture = kv.sm.snapshot(Bytes.utf8("h"));
    }
    assertThat(captured.get()).isEqualTo(atCapture);
    assertThat(captured.get()).as("written twice").isEqualTo(atCapture);
  }

  /**
   * The image is written on another thread while the owner keeps writing and compacting, as the log
   * store's snapshot writer does: each image equals the one taken eagerly at its capture.
   */
  @Test
  void aCapturedImageIsWrittenOnAnotherThreadWhileTheStoreChanges() throws Exception {
    Kv kv = new Kv();
    ExecutorService writer = Executors.newSingleThreadExecutor();
    try {
      for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 200; i++) {
          kv.put("k" + (i % 37), "v" + round + "." + i);
        }
        Supplier<Bytes> captured = kv.sm.captureSnapshot();
        Bytes atCapture = kv.sm.snapshot();
        Future<Bytes> image = writer.submit(captured::get);
        for (int i = 0; i < 300; i++) {
          kv.put("k" + (i % 41), "w" + round + "." + i);
          if (i % 60 == 7) {
            kv.delete("k" + (i % 37), "");
          }
          if (i % 50 == 49) {
            kv.apply(new KvCommand.Compact(kv.sm.revision() - 10, false));
          }
        }
        assertThat(image.get(30, TimeUnit.SECONDS)).as("round %d", round).isEqualTo(atCapture);
      }
    } finally {
      writer.shutdownNow();
    }
  }

  @Property(tries = 100)
  void equalCommandsGiveEqualImagesAndHashes(@ForAll("seeds") List<Long> seeds) {
    Kv a = new Kv();
    Kv b = new Kv();
    ModelKv model = new ModelKv();
    for (long seed : seeds) {
      KvCommand c = new CommandGenerator(seed, model).next();
      if (c != null) {
        model.apply(c, a.index + 1);
        a.apply(c);
        b.apply(c);
      }
    }
    assertThat(a.sm.snapshot()).isEqualTo(b.sm.snapshot());
    assertThat(a.sm.hashKv(0)).isEqualTo(b.sm.hashKv(0));
  }

  @Test
  void hashKvIgnoresTheCompactionStateOfTheReplica() {
    Kv a = new Kv();
    Kv b = new Kv();
    for (Kv kv : List.of(a, b)) {
      kv.put("a", "1");
      kv.put("a", "2");
      kv.put("b", "1");
      kv.delete("b", "");
    }
    a.apply(new KvCommand.Compact(3, false));
    KvResponse.HashKv ha = (KvResponse.HashKv) a.sm.hashKv(4);
    KvResponse.HashKv hb = (KvResponse.HashKv) b.sm.hashKv(4);
    assertThat(ha.hash()).isEqualTo(hb.hash());
    assertThat(ha.compactRevision()).isEqualTo(3);
    assertThat(hb.compactRevision()).isEqualTo(-1);
    assertThat(((KvResponse.HashKv) a.sm.hashKv(0)).hash())
        .isNotEqualTo(((KvResponse.HashKv) a.sm.hashKv(4)).hash());
    assertThat(a.sm.hashKv(3)).isEqualTo(new KvResponse.Error(KvError.COMPACTED));
    assertThat(a.sm.hashKv(6)).isEqualTo(new KvResponse.Error(KvError.FUTURE_REVISION));
    assertThat(((KvResponse.HashKv) b.sm.hashKv(2)).hash())
        .isNotEqualTo(((KvResponse.HashKv) b.sm.hashKv(3)).hash());
  }

  @Test
  void anEmptyImageRestoresTheInitialState() {
    Kv kv = new Kv();
    kv.put("a", "1");
    kv.grant(10);
    kv.sm.restore(SnapshotMeta.EMPTY, Bytes.EMPTY);
    assertThat(kv.sm.revision()).isEqualTo(1);
    assertThat(kv.sm.compactRevision()).isEqualTo(-1);
    assertThat(kv.sm.leases().size()).isZero();
    assertThat(kv.sm.snapshot()).isEqualTo(new Kv().sm.snapshot());
    assertThat(kv.put("x", "1").revision()).isEqualTo(2);
  }

  @Test
  void aCorruptImageIsRejected() {
    Kv kv = new Kv();
    kv.put("a", "1");
    byte[] image = kv.sm.snapshot().toByteArray();
    image[3] ^= 1;
    assertThatThrownBy(() -> new Kv().sm.restore(META, Bytes.wrapOwned(image)))
        .isInstanceOf(KvCodecException.class)
        .hasMessageContaining("checksum");
  }

  @Test
  void emptyAndMembershipEntriesAreNoOpsAndMalformedCommandsAreAnsweredDeterministically() {
    KvStateMachine sm = new KvStateMachine(KvConfig.defaults());
    assertThat(sm.apply(Entry.normal(1, 1, Bytes.EMPTY))).isEqualTo(Bytes.EMPTY);
    assertThat(sm.apply(new Entry(1, 2, EntryType.CONF_CHANGE, Bytes.utf8("x"))))
        .isEqualTo(Bytes.EMPTY);
    Bytes malformed = Bytes.wrapOwned(new byte[] {(byte) KvCodec.VERSION, 77});
    assertThat(KvCodec.decodeResponse(sm.apply(Entry.normal(1, 3, malformed))))
        .isEqualTo(new KvResponse.Error(KvError.MALFORMED_COMMAND));
    assertThat(sm.appliedIndex()).isEqualTo(3);
    assertThat(sm.revision()).isEqualTo(1);
    Bytes future = Bytes.wrapOwned(new byte[] {(byte) (KvCodec.VERSION + 1), 1});
    assertThatThrownBy(() -> sm.apply(Entry.normal(1, 4, future)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("upgrade");
  }
}
