package io.synod.kv;

import static io.synod.kv.Kv.b;
import static io.synod.kv.Kv.q;
import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import io.synod.kv.RangeRequest.SortOrder;
import io.synod.kv.RangeRequest.SortTarget;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every Range option with etcd's rules (etcd-api.md §1 "Key ranges", §2 Range). */
class RangeQueryTest {
  final Kv kv = new Kv();

  /** a@2 v1, b@3, c@4, a@5 v2, d@6, b@7 v2: versions a2 b2 c1 d1; creates a2 b3 c4 d6. */
  @BeforeEach
  void fill() {
    kv.put("a", "zz");
    kv.put("b", "yy");
    kv.put("c", "xx");
    kv.put("a", "ww");
    kv.put("d", "vv");
    kv.put("b", "uu");
  }

  private KvResponse.Range run(Kv.Q query) {
    return (KvResponse.Range) kv.range(query.build());
  }

  private static List<String> keys(KvResponse.Range r) {
    return r.kvs().stream().map(x -> x.key().toStringUtf8()).toList();
  }

  @Test
  void resultsComeInKeyOrderWithCountAndHeaderRevision() {
    KvResponse.Range r = run(q("a", "z"));
    assertThat(keys(r)).containsExactly("a", "b", "c", "d");
    assertThat(r.count()).isEqualTo(4);
    assertThat(r.more()).isFalse();
    assertThat(r.revision()).isEqualTo(7);
  }

  @Test
  void limitTruncatesAndSetsMoreWhileCountStaysTheTotal() {
    KvResponse.Range r = run(q("a", "z").limit(2));
    assertThat(keys(r)).containsExactly("a", "b");
    assertThat(r.more()).isTrue();
    assertThat(r.count()).isEqualTo(4);
    KvResponse.Range exact = run(q("a", "z").limit(4));
    assertThat(exact.more()).isFalse();
    assertThat(run(q("a", "z").limit(-3)).kvs()).hasSize(4);
  }

  @Test
  void countIgnoresTheMinMaxFiltersAndMoreCountsOnlyWhatPassed() {
    KvResponse.Range r = run(q("a", "z").mod(6, 0).limit(1));
    assertThat(keys(r)).containsExactly("b");
    assertThat(r.more()).isTrue(); // b@7 and d@6 passed; limit 1
    assertThat(r.count()).isEqualTo(4);
    KvResponse.Range created = run(q("a", "z").create(0, 3));
    assertThat(keys(created)).containsExactly("a", "b");
    assertThat(created.count()).isEqualTo(4);
    assertThat(keys(run(q("a", "z").mod(0, 5)))).containsExactly("a", "c");
    assertThat(keys(run(q("a", "z").create(4, 0)))).containsExactly("c", "d");
  }

  @Test
  void sortAppliesToTheWholeRangeBeforeLimit() {
    KvResponse.Range r = run(q("a", "z").sort(SortOrder.DESCEND, SortTarget.MOD).limit(2));
    assertThat(keys(r)).containsExactly("b", "d");
    assertThat(r.more()).isTrue();
    KvResponse.Range oldest = run(q("a", "z").sort(SortOrder.ASCEND, SortTarget.CREATE).limit(1));
    assertThat(keys(oldest)).containsExactly("a");
  }

  @Test
  void sortNoneWithANonKeyTargetSortsAscending() {
    assertThat(keys(run(q("a", "z").sort(SortOrder.NONE, SortTarget.VALUE))))
        .containsExactly("b", "d", "a", "c"); // uu vv ww xx
    assertThat(keys(run(q("a", "z").sort(SortOrder.NONE, SortTarget.MOD))))
        .containsExactly("c", "a", "d", "b");
  }

  @Test
  void everySortTargetInBothDirections() {
    assertThat(keys(run(q("a", "z").sort(SortOrder.DESCEND, SortTarget.KEY))))
        .containsExactly("d", "c", "b", "a");
    assertThat(keys(run(q("a", "z").sort(SortOrder.ASCEND, SortTarget.KEY))))
        .containsExactly("a", "b", "c", "d");
    // Ties keep key order: versions a2 b2 c1 d1.
    assertThat(keys(run(q("a", "z").sort(SortOrder.ASCEND, SortTarget.VERSION))))
        .containsExactly("c", "d", "a", "b");
    assertThat(keys(run(q("a", "z").sort(SortOrder.DESCEND, SortTarget.VERSION))))
        .containsExactly("a", "b", "c", "d");
    assertThat(keys(run(q("a", "z").sort(SortOrder.DESCEND, SortTarget.CREATE))))
        .containsExactly("d", "c", "b", "a");
    assertThat(keys(run(q("a", "z").sort(SortOrder.DESCEND, SortTarget.VALUE))))
        .containsExactly("c", "a", "d", "b");
  }

  @Test
  void keysOnlyLeavesValuesOutAndCountOnlyLeavesKvsOut() {
    KvResponse.Range keysOnly = run(q("a", "z").keysOnly());
    assertThat(keysOnly.kvs()).allSatisfy(x -> assertThat(x.value()).isEqualTo(Bytes.EMPTY));
    assertThat(keysOnly.kvs().get(0).version()).isEqualTo(2);
    KvResponse.Range countOnly = run(q("a", "z").countOnly().limit(1));
    assertThat(countOnly.kvs()).isEmpty();
    assertThat(countOnly.count()).isEqualTo(4);
    assertThat(countOnly.more()).isFalse();
  }

  @Test
  void rangeEndRules() {
    assertThat(keys(run(q("b", "")))).containsExactly("b");
    assertThat(keys(run(q("bb", "")))).isEmpty();
    assertThat(keys(run(new Kv.Q(b("b"), Kv.ZERO)))).containsExactly("b", "c", "d");
    assertThat(keys(run(new Kv.Q(Kv.ZERO, Kv.ZERO)))).containsExactly("a", "b", "c", "d");
    assertThat(keys(run(q("b", "d")))).containsExactly("b", "c");
    assertThat(keys(run(q("c", "a")))).isEmpty(); // reversed: empty, no error
    assertThat(run(q("c", "a")).count()).isZero();
    assertThat(keys(run(q("c", "c")))).isEmpty();
  }

  @Test
  void rangesCompareBytesUnsigned() {
    kv.put("\u00e9", "high"); // 0xc3 0xa9 sorts after every ASCII key
    assertThat(keys(run(new Kv.Q(b("a"), Kv.ZERO)))).last().isEqualTo("\u00e9");
    assertThat(keys(run(q("a", "\u007f")))).doesNotContain("\u00e9");
  }

  @Test
  void prefixRangeIsAPlainBytePrefix() {
    kv.put("p/f", "1");
    kv.put("p/fa", "2");
    kv.put("p/g", "3");
    assertThat(keys(run(q("p/f", "p/g")))).containsExactly("p/f", "p/fa");
  }

  @Test
  void futureAndCompactedRevisionsAreErrorsButTheCompactRevisionItselfReads() {
    assertThat(kv.range(q("a", "z").rev(8).build()))
        .isEqualTo(new KvResponse.Error(KvError.FUTURE_REVISION));
    kv.apply(new KvCommand.Compact(5, false));
    assertThat(kv.range(q("a", "z").rev(4).build()))
        .isEqualTo(new KvResponse.Error(KvError.COMPACTED));
    KvResponse.Range atCompact = run(q("a", "z").rev(5));
    assertThat(keys(atCompact)).containsExactly("a", "b", "c");
    assertThat(atCompact.kvs().get(0).value()).isEqualTo(b("ww"));
    assertThat(atCompact.revision()).isEqualTo(7);
    assertThat(KvError.COMPACTED.message())
        .isEqualTo("etcdserver: mvcc: required revision has been compacted");
    assertThat(KvError.FUTURE_REVISION.message())
        .isEqualTo("etcdserver: mvcc: required revision is a future revision");
    assertThat(KvError.COMPACTED.code()).isEqualTo(KvError.Code.OUT_OF_RANGE);
  }

  @Test
  void aNegativeRevisionReadsTheCurrentOne() {
    assertThat(keys(run(q("a", "z").rev(-4)))).hasSize(4);
  }
}
