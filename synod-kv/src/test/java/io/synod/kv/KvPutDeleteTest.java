package io.synod.kv;

import static io.synod.kv.Kv.b;
import static io.synod.kv.Kv.kv;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Revisions, versions, Put and DeleteRange with etcd's rules (etcd-api.md §1, §2). */
class KvPutDeleteTest {
  final Kv kv = new Kv();

  @Test
  void emptyStoreIsAtRevisionOneAndTheFirstWriteMakesTwo() {
    assertThat(kv.sm.revision()).isEqualTo(1);
    assertThat(kv.get("a").revision()).isEqualTo(1);
    assertThat(kv.put("a", "1").revision()).isEqualTo(2);
    assertThat(kv.sm.revision()).isEqualTo(2);
  }

  @Test
  void versionCountsPutsSinceCreationAndADeleteStartsAFreshGeneration() {
    kv.put("k", "v1");
    kv.put("k", "v2");
    kv.put("other", "x");
    kv.put("k", "v3");
    assertThat(kv.kv("k")).contains(kv("k", 2, 5, 3, "v3", 0));
    kv.delete("k", "");
    kv.put("k", "again");
    assertThat(kv.kv("k")).contains(kv("k", 7, 7, 1, "again", 0));
  }

  @Test
  void putOfAnIdenticalValueStillAdvancesTheRevision() {
    kv.put("k", "same");
    assertThat(kv.put("k", "same").revision()).isEqualTo(3);
    assertThat(kv.kv("k").get().version()).isEqualTo(2);
  }

  @Test
  void putReturnsThePreviousKeyValueOnlyIfAskedAndOnlyIfThereWasOne() {
    KvResponse.Put first = kv.put("k", "v1");
    assertThat(first.prevKv()).isEmpty();
    KvResponse.Put second = kv.put("k", "v2");
    assertThat(second.prevKv()).contains(kv("k", 2, 2, 1, "v1", 0));
    KvResponse third = kv.apply(new KvCommand.Put(b("k"), b("v3"), 0, false, false, false));
    assertThat(third).isEqualTo(new KvResponse.Put(4, Optional.empty()));
  }

  @Test
  void emptyValuesAreAllowed() {
    kv.put("k", "");
    assertThat(kv.kv("k")).contains(kv("k", 2, 2, 1, "", 0));
  }

  @Test
  void emptyKeysAreRejectedEverywhere() {
    kv.assertError(Kv.putCmd("", "v", 0), KvError.KEY_NOT_PROVIDED);
    kv.assertError(Kv.del("", ""), KvError.KEY_NOT_PROVIDED);
    assertThat(kv.range(RangeRequest.single(b(""))))
        .isEqualTo(new KvResponse.Error(KvError.KEY_NOT_PROVIDED));
    assertThat(KvError.KEY_NOT_PROVIDED.message()).isEqualTo("etcdserver: key is not provided");
  }

  @Test
  void ignoreValueKeepsTheValueButTakesTheLeaseFromTheRequest() {
    long lease = kv.grant(60);
    kv.put("k", "v1", lease);
    kv.apply(new KvCommand.Put(b("k"), b(""), 0, false, true, false));
    // etcd (observed): put --ignore-value without --lease detaches the lease.
    assertThat(kv.kv("k")).contains(kv("k", 2, 3, 2, "v1", 0));
    assertThat(kv.sm.leases().keys(lease)).isEmpty();
  }

  @Test
  void ignoreLeaseKeepsTheLease() {
    long lease = kv.grant(60);
    kv.put("k", "v1", lease);
    kv.apply(new KvCommand.Put(b("k"), b("v2"), 0, false, false, true));
    assertThat(kv.kv("k")).contains(kv("k", 2, 3, 2, "v2", lease));
    assertThat(kv.sm.leases().keys(lease)).containsExactly(b("k"));
  }

  @Test
  void ignoreFlagsOnAMissingKeyAreKeyNotFound() {
    kv.assertError(new KvCommand.Put(b("k"), b(""), 0, false, true, false), KvError.KEY_NOT_FOUND);
    kv.assertError(new KvCommand.Put(b("k"), b("v"), 0, false, false, true), KvError.KEY_NOT_FOUND);
    assertThat(KvError.KEY_NOT_FOUND.message()).isEqualTo("etcdserver: key not found");
  }

  @Test
  void ignoreValueWithAValueAndIgnoreLeaseWithALeaseAreRejected() {
    kv.put("k", "v");
    kv.assertError(
        new KvCommand.Put(b("k"), b("x"), 0, false, true, false), KvError.VALUE_PROVIDED);
    kv.assertError(
        new KvCommand.Put(b("k"), b("x"), 7, false, false, true), KvError.LEASE_PROVIDED);
    assertThat(KvError.VALUE_PROVIDED.message()).isEqualTo("etcdserver: value is provided");
    assertThat(KvError.LEASE_PROVIDED.message()).isEqualTo("etcdserver: lease is provided");
  }

  @Test
  void aPutWithAnUnknownLeaseFailsWithoutEffect() {
    kv.assertError(Kv.putCmd("k", "v", 42), KvError.LEASE_NOT_FOUND);
    assertThat(kv.kv("k")).isEmpty();
    assertThat(KvError.LEASE_NOT_FOUND.message())
        .isEqualTo("etcdserver: requested lease not found");
  }

  @Test
  void aPutWithoutALeaseDetachesTheOldOne() {
    long lease = kv.grant(60);
    kv.put("k", "v1", lease);
    kv.put("k", "v2");
    assertThat(kv.sm.leases().keys(lease)).isEmpty();
    assertThat(kv.kv("k").get().lease()).isZero();
  }

  @Test
  void deleteRangeRemovesEveryKeyInOneRevisionAndReturnsThemInKeyOrder() {
    kv.put("b", "2");
    kv.put("a", "1");
    kv.put("c", "3");
    kv.put("d", "4");
    KvResponse.DeleteRange r = kv.delete("a", "d");
    assertThat(r.revision()).isEqualTo(6);
    assertThat(r.deleted()).isEqualTo(3);
    assertThat(r.prevKvs())
        .containsExactly(
            kv("a", 3, 3, 1, "1", 0), kv("b", 2, 2, 1, "2", 0), kv("c", 4, 4, 1, "3", 0));
    assertThat(kv.keys("a", "\u00ff")).containsExactly("d");
  }

  @Test
  void deleteRangeOfNothingDoesNotAdvanceTheRevision() {
    kv.put("a", "1");
    KvResponse.DeleteRange r = kv.delete("x", "z");
    assertThat(r).isEqualTo(new KvResponse.DeleteRange(2, 0, List.of()));
    assertThat(kv.sm.revision()).isEqualTo(2);
  }

  @Test
  void deleteWithoutPrevKvReturnsOnlyTheCount() {
    kv.put("a", "1");
    KvResponse r = kv.apply(new KvCommand.DeleteRange(b("a"), b(""), false));
    assertThat(r).isEqualTo(new KvResponse.DeleteRange(3, 1, List.of()));
  }

  @Test
  void deleteFromKeyWithZeroRangeEndDeletesEverythingFromTheKeyOn() {
    kv.put("a", "1");
    kv.put("b", "2");
    kv.put("c", "3");
    KvResponse r = kv.apply(new KvCommand.DeleteRange(b("b"), Kv.ZERO, false));
    assertThat(((KvResponse.DeleteRange) r).deleted()).isEqualTo(2);
    assertThat(kv.keys("a", "\u00ff")).containsExactly("a");
  }

  @Test
  void deletingAKeyDetachesItFromItsLease() {
    long lease = kv.grant(60);
    kv.put("k", "v", lease);
    kv.delete("k", "");
    assertThat(kv.sm.leases().keys(lease)).isEmpty();
  }

  @Test
  void historicalReadsSeeTheStoreAsItWas() {
    kv.put("k", "v1");
    kv.put("k", "v2");
    kv.delete("k", "");
    kv.put("k", "v3");
    assertThat(valueAt("k", 2)).isEqualTo("v1");
    assertThat(valueAt("k", 3)).isEqualTo("v2");
    assertThat(valueAt("k", 4)).isNull();
    assertThat(valueAt("k", 5)).isEqualTo("v3");
    assertThat(valueAt("k", 1)).isNull();
  }

  private String valueAt(String key, long rev) {
    KvResponse.Range r = (KvResponse.Range) kv.range(Kv.q(key, "").rev(rev).build());
    assertThat(r.revision()).isEqualTo(kv.sm.revision());
    return r.kvs().isEmpty() ? null : r.kvs().get(0).value().toStringUtf8();
  }
}
