package io.synod.kv;

import static io.synod.kv.Kv.b;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Replicated lease state: grant, revoke, attach, checkpoint (etcd-api.md §4). */
class LeaseTest {
  final Kv kv = new Kv();

  @Test
  void grantWithIdZeroPicksAPositiveIdFromTheLogIndexTheSameOnEveryReplica() {
    Kv other = new Kv();
    KvResponse.LeaseGrant a = (KvResponse.LeaseGrant) kv.apply(new KvCommand.LeaseGrant(10, 0));
    KvResponse.LeaseGrant b = (KvResponse.LeaseGrant) other.apply(new KvCommand.LeaseGrant(10, 0));
    assertThat(a.id()).isPositive().isEqualTo(b.id());
    assertThat(a.ttlSeconds()).isEqualTo(10);
    assertThat(a.revision()).isEqualTo(1);
    long second = kv.grant(10);
    assertThat(second).isPositive().isNotEqualTo(a.id());
  }

  @Test
  void aPickedIdSkipsIdsClientsAlreadyChose() {
    long taken = Applier.pickLeaseIdCandidate(2, 0);
    kv.apply(new KvCommand.LeaseGrant(10, taken)); // log index 1
    long picked = kv.grant(10); // log index 2, whose first candidate is taken
    assertThat(picked).isEqualTo(Applier.pickLeaseIdCandidate(2, 1)).isPositive();
  }

  @Test
  void aRequestedIdIsHonouredAndAnExistingOneIsLeaseExists() {
    assertThat(kv.apply(new KvCommand.LeaseGrant(10, 77)))
        .isEqualTo(new KvResponse.LeaseGrant(1, 77, 10));
    kv.assertError(new KvCommand.LeaseGrant(10, 77), KvError.LEASE_EXISTS);
    assertThat(KvError.LEASE_EXISTS.message()).isEqualTo("etcdserver: lease already exists");
    assertThat(KvError.LEASE_EXISTS.code()).isEqualTo(KvError.Code.FAILED_PRECONDITION);
  }

  @Test
  void ttlsBelowTheMinimumAreRaisedAndHugeOnesRejected() {
    assertThat(((KvResponse.LeaseGrant) kv.apply(new KvCommand.LeaseGrant(1, 5))).ttlSeconds())
        .isEqualTo(2);
    assertThat(((KvResponse.LeaseGrant) kv.apply(new KvCommand.LeaseGrant(0, 6))).ttlSeconds())
        .isEqualTo(2);
    assertThat(((KvResponse.LeaseGrant) kv.apply(new KvCommand.LeaseGrant(-9, 7))).ttlSeconds())
        .isEqualTo(2);
    assertThat(kv.apply(new KvCommand.LeaseGrant(9_000_000_000L, 8)))
        .isInstanceOf(KvResponse.LeaseGrant.class);
    kv.assertError(new KvCommand.LeaseGrant(9_000_000_001L, 9), KvError.LEASE_TTL_TOO_LARGE);
    assertThat(KvError.LEASE_TTL_TOO_LARGE.message()).isEqualTo("etcdserver: too large lease TTL");
  }

  @Test
  void theMinimumTtlIsCeilOfOneAndAHalfElectionTimeouts() {
    assertThat(KvConfig.minLeaseTtlSeconds(1000)).isEqualTo(2);
    assertThat(KvConfig.minLeaseTtlSeconds(3000)).isEqualTo(5);
    assertThat(KvConfig.minLeaseTtlSeconds(100)).isEqualTo(1);
    assertThat(KvConfig.minLeaseTtlSeconds(2000)).isEqualTo(3);
  }

  @Test
  void revokeDeletesEveryAttachedKeyInOneRevision() {
    long lease = kv.grant(60);
    kv.put("b", "1", lease);
    kv.put("a", "1", lease);
    kv.put("keep", "1");
    KvResponse r = kv.apply(new KvCommand.LeaseRevoke(lease));
    assertThat(r).isEqualTo(new KvResponse.LeaseRevoke(5));
    assertThat(kv.keys("a", "z")).containsExactly("keep");
    RevisionLog log = kv.sm.store().log();
    assertThat(log.count(5)).isEqualTo(2);
    assertThat(log.change(5, 0).key).isEqualTo(b("a"));
    assertThat(log.change(5, 0).isTombstone()).isTrue();
    assertThat(kv.sm.leases().contains(lease)).isFalse();
  }

  @Test
  void revokingALeaseWithoutKeysDoesNotAdvanceTheRevision() {
    long lease = kv.grant(60);
    assertThat(kv.apply(new KvCommand.LeaseRevoke(lease))).isEqualTo(new KvResponse.LeaseRevoke(1));
  }

  @Test
  void revokingAnUnknownLeaseIsNotFound() {
    kv.assertError(new KvCommand.LeaseRevoke(12345), KvError.LEASE_NOT_FOUND);
    assertThat(KvError.LEASE_NOT_FOUND.code()).isEqualTo(KvError.Code.NOT_FOUND);
  }

  @Test
  void leasesAreListedInIdOrderWithTheirKeys() {
    kv.apply(new KvCommand.LeaseGrant(10, 30));
    kv.apply(new KvCommand.LeaseGrant(10, 10));
    kv.apply(new KvCommand.LeaseGrant(10, 20));
    kv.put("x", "1", 20);
    kv.put("w", "1", 20);
    assertThat(kv.sm.leases().ids()).containsExactly(10L, 20L, 30L);
    assertThat(kv.sm.leases().keys(20)).containsExactly(b("w"), b("x"));
    kv.put("x", "2", 30);
    assertThat(kv.sm.leases().keys(20)).containsExactly(b("w"));
    assertThat(kv.sm.leases().keys(30)).containsExactly(b("x"));
  }

  @Test
  void checkpointsRecordRemainingTtlsAndIgnoreUnknownLeases() {
    kv.apply(new KvCommand.LeaseGrant(100, 1));
    KvResponse r =
        kv.apply(
            new KvCommand.LeaseCheckpoint(
                List.of(new KvCommand.Checkpoint(1, 40_000), new KvCommand.Checkpoint(2, 5))));
    assertThat(r).isEqualTo(new KvResponse.LeaseCheckpoint(1));
    assertThat(kv.sm.leases().lease(1).get().checkpointedRemainingMillis()).isEqualTo(40_000);
    assertThat(kv.sm.leases().lease(2)).isEmpty();
  }
}
