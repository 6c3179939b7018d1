package io.synod.kv;

import static io.synod.kv.Kv.b;
import static io.synod.kv.Kv.kv;
import static org.assertj.core.api.Assertions.assertThat;

import io.synod.kv.Compare.Result;
import io.synod.kv.Compare.Target;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Txn: compares, branches, nesting, one revision, errors (etcd-api.md §2 Txn). */
class TxnTest {
  final Kv kv = new Kv();

  static Compare cmp(Result r, Target t, String key, long number) {
    return new Compare(r, t, b(key), b(""), number, b(""));
  }

  static Compare value(Result r, String key, String value) {
    return new Compare(r, Target.VALUE, b(key), b(""), 0, b(value));
  }

  static Compare rangeCmp(Result r, Target t, String key, String end, long number) {
    return new Compare(r, t, b(key), b(end), number, b(""));
  }

  static RequestOp put(String k, String v) {
    return new RequestOp.Put(Kv.putCmd(k, v, 0));
  }

  static RequestOp get(String k) {
    return new RequestOp.Range(RangeRequest.single(b(k)));
  }

  static RequestOp del(String k, String end) {
    return new RequestOp.DeleteRange(Kv.del(k, end));
  }

  static KvCommand.Txn txn(List<Compare> c, List<RequestOp> success, List<RequestOp> failure) {
    return new KvCommand.Txn(c, success, failure);
  }

  boolean succeeds(Compare c) {
    long before = kv.sm.revision();
    KvResponse.Txn r = (KvResponse.Txn) kv.apply(txn(List.of(c), List.of(), List.of()));
    assertThat(r.revision()).isEqualTo(before);
    return r.succeeded();
  }

  @Test
  void emptyCompareListSucceeds() {
    KvResponse.Txn r = (KvResponse.Txn) kv.apply(txn(List.of(), List.of(put("a", "1")), List.of()));
    assertThat(r.succeeded()).isTrue();
    assertThat(r.revision()).isEqualTo(2);
  }

  @Test
  void aMissingKeyComparesAsZerosButAValueCompareOnItIsAlwaysFalse() {
    assertThat(succeeds(cmp(Result.EQUAL, Target.VERSION, "nope", 0))).isTrue();
    assertThat(succeeds(cmp(Result.EQUAL, Target.CREATE, "nope", 0))).isTrue();
    assertThat(succeeds(cmp(Result.EQUAL, Target.MOD, "nope", 0))).isTrue();
    assertThat(succeeds(cmp(Result.EQUAL, Target.LEASE, "nope", 0))).isTrue();
    assertThat(succeeds(value(Result.EQUAL, "nope", ""))).isFalse();
    assertThat(succeeds(value(Result.NOT_EQUAL, "nope", "x"))).isFalse();
    assertThat(succeeds(value(Result.LESS, "nope", "x"))).isFalse();
  }

  @Test
  void comparesOfEveryTargetAndResult() {
    long lease = kv.grant(60);
    kv.put("k", "m", lease); // rev 2
    kv.put("k", "m"); // rev 3, version 2, no lease
    assertThat(succeeds(cmp(Result.EQUAL, Target.VERSION, "k", 2))).isTrue();
    assertThat(succeeds(cmp(Result.GREATER, Target.VERSION, "k", 1))).isTrue();
    assertThat(succeeds(cmp(Result.LESS, Target.VERSION, "k", 2))).isFalse();
    assertThat(succeeds(cmp(Result.NOT_EQUAL, Target.VERSION, "k", 2))).isFalse();
    assertThat(succeeds(cmp(Result.EQUAL, Target.CREATE, "k", 2))).isTrue();
    assertThat(succeeds(cmp(Result.EQUAL, Target.MOD, "k", 3))).isTrue();
    assertThat(succeeds(cmp(Result.EQUAL, Target.LEASE, "k", 0))).isTrue();
    assertThat(succeeds(value(Result.EQUAL, "k", "m"))).isTrue();
    assertThat(succeeds(value(Result.GREATER, "k", "l"))).isTrue();
    assertThat(succeeds(value(Result.LESS, "k", "ma"))).isTrue();
    assertThat(succeeds(value(Result.LESS, "k", "\u00e9"))).isTrue(); // bytewise, unsigned
  }

  @Test
  void comparesAreAndedAndChooseTheBranch() {
    kv.put("k", "v");
    KvResponse.Txn r =
        (KvResponse.Txn)
            kv.apply(
                txn(
                    List.of(
                        value(Result.EQUAL, "k", "v"), cmp(Result.EQUAL, Target.VERSION, "k", 9)),
                    List.of(put("s", "1")),
                    List.of(put("f", "1"), get("k"))));
    assertThat(r.succeeded()).isFalse();
    assertThat(r.responses()).hasSize(2);
    assertThat(r.responses().get(0)).isEqualTo(new KvResponse.Put(3, Optional.empty()));
    assertThat(kv.kv("f")).isPresent();
    assertThat(kv.kv("s")).isEmpty();
  }

  @Test
  void aRangeCompareMustHoldForEveryKeyAndAnEmptyRangeComparesAsZero() {
    kv.put("a1", "x");
    kv.put("a2", "x");
    kv.put("a3", "y");
    assertThat(succeeds(new Compare(Result.EQUAL, Target.VALUE, b("a1"), b("a3"), 0, b("x"))))
        .isTrue();
    assertThat(succeeds(new Compare(Result.EQUAL, Target.VALUE, b("a1"), b("a4"), 0, b("x"))))
        .isFalse();
    assertThat(succeeds(rangeCmp(Result.GREATER, Target.CREATE, "a", "b", 0))).isTrue();
    assertThat(succeeds(rangeCmp(Result.LESS, Target.MOD, "a", "b", 4))).isFalse();
    assertThat(succeeds(rangeCmp(Result.EQUAL, Target.VERSION, "x", "y", 0))).isTrue();
    assertThat(succeeds(new Compare(Result.EQUAL, Target.VALUE, b("x"), b("y"), 0, b(""))))
        .isFalse();
    assertThat(succeeds(new Compare(Result.GREATER, Target.MOD, b("a2"), Kv.ZERO, 2, b(""))))
        .isTrue();
  }

  @Test
  void allWritesShareOneRevisionAndReadsSeeEarlierWritesOfTheTxn() {
    kv.put("old", "1");
    KvResponse.Txn r =
        (KvResponse.Txn)
            kv.apply(
                txn(
                    List.of(),
                    List.of(get("a"), put("a", "1"), get("a"), put("b", "2"), del("old", "")),
                    List.of()));
    assertThat(r.revision()).isEqualTo(3);
    assertThat(((KvResponse.Range) r.responses().get(0)).kvs()).isEmpty();
    assertThat(((KvResponse.Range) r.responses().get(0)).revision()).isEqualTo(2);
    KvResponse.Range seen = (KvResponse.Range) r.responses().get(2);
    assertThat(seen.kvs()).containsExactly(kv("a", 3, 3, 1, "1", 0));
    assertThat(seen.revision()).isEqualTo(3);
    assertThat(r.responses().get(3)).isEqualTo(new KvResponse.Put(3, Optional.empty()));
    assertThat(((KvResponse.DeleteRange) r.responses().get(4)).revision()).isEqualTo(3);
    assertThat(kv.kv("a").get().modRevision()).isEqualTo(kv.kv("b").get().modRevision());
    assertThat(kv.sm.revision()).isEqualTo(3);
  }

  @Test
  void aReadOnlyTxnDoesNotAdvanceTheRevision() {
    kv.put("a", "1");
    KvResponse.Txn r =
        (KvResponse.Txn) kv.apply(txn(List.of(), List.of(get("a"), del("zzz", "")), List.of()));
    assertThat(r.revision()).isEqualTo(2);
    assertThat(((KvResponse.DeleteRange) r.responses().get(1)).revision()).isEqualTo(2);
    assertThat(kv.sm.revision()).isEqualTo(2);
  }

  @Test
  void nestedTxnsRunInOneRevisionAndTheirComparesSeeTheStateBeforeTheTxn() {
    KvCommand.Txn inner =
        txn(
            List.of(cmp(Result.EQUAL, Target.VERSION, "a", 0)),
            List.of(put("b", "then")),
            List.of(put("b", "else")));
    KvResponse.Txn r =
        (KvResponse.Txn)
            kv.apply(txn(List.of(), List.of(put("a", "1"), new RequestOp.Txn(inner)), List.of()));
    KvResponse.Txn nested = (KvResponse.Txn) r.responses().get(1);
    // etcd evaluates every compare before running any op: "a" did not exist yet.
    assertThat(nested.succeeded()).isTrue();
    assertThat(nested.revision()).isZero(); // etcd answers a nested txn with an empty header
    assertThat(nested.responses()).containsExactly(new KvResponse.Put(2, Optional.empty()));
    assertThat(kv.kv("b").get().value()).isEqualTo(b("then"));
    assertThat(kv.sm.revision()).isEqualTo(2);
  }

  @Test
  void anUnknownLeaseInAPutFailsTheWholeTxnWithoutEffect() {
    kv.assertError(
        txn(
            List.of(),
            List.of(put("a", "1"), new RequestOp.Put(Kv.putCmd("b", "2", 99))),
            List.of()),
        KvError.LEASE_NOT_FOUND);
    assertThat(kv.kv("a")).isEmpty();
  }

  @Test
  void onlyTheChosenBranchIsChecked() {
    KvResponse r =
        kv.apply(
            txn(
                List.of(),
                List.of(put("a", "1")),
                List.of(new RequestOp.Put(Kv.putCmd("b", "2", 99)))));
    assertThat(r).isInstanceOf(KvResponse.Txn.class);
  }

  @Test
  void aCompactedOrFutureRangeInsideFailsTheWholeTxn() {
    kv.put("a", "1");
    kv.put("a", "2");
    kv.put("a", "3");
    kv.apply(new KvCommand.Compact(3, false));
    RequestOp old = new RequestOp.Range(Kv.q("a", "").rev(2).build());
    kv.assertError(txn(List.of(), List.of(put("b", "1"), old), List.of()), KvError.COMPACTED);
    RequestOp future = new RequestOp.Range(Kv.q("a", "").rev(5).build());
    kv.assertError(
        txn(List.of(), List.of(put("b", "1"), future), List.of()), KvError.FUTURE_REVISION);
    RequestOp atCompact = new RequestOp.Range(Kv.q("a", "").rev(3).build());
    KvResponse.Txn ok = (KvResponse.Txn) kv.apply(txn(List.of(), List.of(atCompact), List.of()));
    assertThat(((KvResponse.Range) ok.responses().get(0)).kvs().get(0).value()).isEqualTo(b("2"));
  }

  @Test
  void ignoreValueInsideATxnNeedsTheKeyBeforeTheTxn() {
    RequestOp ignore = new RequestOp.Put(new KvCommand.Put(b("k"), b(""), 0, false, true, false));
    kv.assertError(txn(List.of(), List.of(ignore), List.of()), KvError.KEY_NOT_FOUND);
    kv.put("k", "v");
    KvResponse.Txn r = (KvResponse.Txn) kv.apply(txn(List.of(), List.of(ignore), List.of()));
    assertThat(r.succeeded()).isTrue();
    assertThat(kv.kv("k").get().value()).isEqualTo(b("v"));
  }

  @Test
  void duplicateKeysAreRejectedAtApplyTooWithoutEffect() {
    kv.assertError(
        txn(List.of(), List.of(put("a", "1"), put("a", "2")), List.of()), KvError.DUPLICATE_KEY);
    kv.assertError(
        txn(List.of(), List.of(del("a", "c"), put("b", "2")), List.of()), KvError.DUPLICATE_KEY);
  }

  @Test
  void aPutAndADeleteOfTheSameKeyInSiblingNestedTxnsBothApplyInOrder() {
    // etcd's interval check lets this through (the delete comes after the put); so do we.
    KvCommand.Txn first = txn(List.of(), List.of(put("k", "v")), List.of());
    KvCommand.Txn second = txn(List.of(), List.of(del("k", "")), List.of());
    KvResponse.Txn r =
        (KvResponse.Txn)
            kv.apply(
                txn(
                    List.of(),
                    List.of(new RequestOp.Txn(first), new RequestOp.Txn(second)),
                    List.of()));
    assertThat(r.revision()).isEqualTo(2);
    assertThat(kv.kv("k")).isEmpty();
    assertThat(kv.get("k").revision()).isEqualTo(2);
    KvResponse.Range atTwo = (KvResponse.Range) kv.range(Kv.q("k", "").rev(2).build());
    assertThat(atTwo.kvs()).isEmpty();
  }
}
