package io.synod.kv;

import static io.synod.kv.Kv.b;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Compaction with etcd's rules (etcd-api.md §2 Compact). */
class CompactionTest {
  final Kv kv = new Kv();

  private KvResponse compact(long rev) {
    return kv.apply(new KvCommand.Compact(rev, false));
  }

  @Test
  void compactingAtOrBelowThePointIsCompactedAndAboveTheRevisionIsFuture() {
    kv.put("a", "1");
    kv.put("a", "2");
    assertThat(compact(4)).isEqualTo(new KvResponse.Error(KvError.FUTURE_REVISION));
    assertThat(compact(2)).isEqualTo(new KvResponse.Compact(3));
    assertThat(kv.sm.compactRevision()).isEqualTo(2);
    assertThat(compact(2)).isEqualTo(new KvResponse.Error(KvError.COMPACTED));
    assertThat(compact(1)).isEqualTo(new KvResponse.Error(KvError.COMPACTED));
    assertThat(compact(3)).isEqualTo(new KvResponse.Compact(3));
    assertThat(kv.sm.revision()).isEqualTo(3);
  }

  @Test
  void aFreshStoreWasNeverCompactedAndCanCompactAtItsOwnRevision() {
    assertThat(kv.sm.compactRevision()).isEqualTo(-1);
    assertThat(compact(1)).isEqualTo(new KvResponse.Compact(1));
    assertThat(kv.put("a", "1").revision()).isEqualTo(2);
  }

  @Test
  void compactionKeepsTheNewestVersionAtOrBelowThePointAndEverythingAfter() {
    kv.put("a", "1"); // 2
    kv.put("a", "2"); // 3
    kv.put("b", "1"); // 4
    kv.put("a", "3"); // 5
    compact(4);
    assertThat(value("a", 4)).isEqualTo("2");
    assertThat(value("a", 5)).isEqualTo("3");
    assertThat(value("b", 4)).isEqualTo("1");
    assertThat(kv.range(Kv.q("a", "").rev(3).build()))
        .isEqualTo(new KvResponse.Error(KvError.COMPACTED));
  }

  @Test
  void keysDeletedAtOrBeforeThePointLeaveTheIndex() {
    kv.put("gone", "1"); // 2
    kv.delete("gone", ""); // 3
    kv.put("back", "1"); // 4
    kv.delete("back", ""); // 5
    kv.put("back", "2"); // 6
    kv.put("late", "1"); // 7
    kv.delete("late", ""); // 8
    assertThat(kv.sm.store().indexedKeyCount()).isEqualTo(3);
    compact(7);
    assertThat(kv.sm.store().indexedKeyCount()).isEqualTo(2); // back, late
    compact(8);
    assertThat(kv.sm.store().indexedKeyCount()).isEqualTo(1);
    assertThat(value("back", 8)).isEqualTo("2");
    kv.put("gone", "again");
    assertThat(kv.kv("gone").get().version()).isEqualTo(1);
  }

  @Test
  void aDeleteAtExactlyThePointIsStillReadableThere() {
    kv.put("a", "1"); // 2
    kv.delete("a", ""); // 3
    compact(3);
    assertThat(value("a", 3)).isNull();
    assertThat(kv.sm.store().log().firstRevision()).isEqualTo(3);
  }

  @Test
  void compactionDropsTheRevisionLogBelowThePoint() {
    for (int i = 0; i < 10; i++) {
      kv.put("k" + (i % 3), "v" + i);
    }
    compact(6);
    RevisionLog log = kv.sm.store().log();
    assertThat(log.firstRevision()).isEqualTo(6);
    assertThat(log.lastRevision()).isEqualTo(11);
    assertThat(log.change(6, 0).key).isEqualTo(b("k1"));
  }

  private String value(String key, long rev) {
    KvResponse.Range r = (KvResponse.Range) kv.range(Kv.q(key, "").rev(rev).build());
    return r.kvs().isEmpty() ? null : r.kvs().get(0).value().toStringUtf8();
  }
}
