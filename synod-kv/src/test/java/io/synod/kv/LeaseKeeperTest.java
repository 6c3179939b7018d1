package io.synod.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The leader's lease clock with a fake clock: expiry proposes revokes, keep-alives renew, time to
 * live, checkpoints survive a leader change (etcd-api.md §4).
 */
class LeaseKeeperTest {
  final Kv kv = new Kv();
  long now = 1_000_000;
  final LeaseKeeperConfig config = new LeaseKeeperConfig(5_000, 1000, 3_000, 500, 0);

  /** Applies what the keeper proposed, as the leader's loop would; returns the commands. */
  List<KvCommand> tickAndApply(LeaseKeeper keeper, long atMillis) {
    now = atMillis;
    List<KvCommand> out = keeper.tick(now);
    for (KvCommand c : out) {
      kv.apply(c);
    }
    return out;
  }

  /** Grants a lease; the keeper reads its clock right after, as the leader's loop would. */
  long grant(LeaseKeeper keeper, long ttlSeconds) {
    long lease = kv.grant(ttlSeconds);
    assertThat(keeper.tick(now)).isEmpty();
    return lease;
  }

  @Test
  void aGrantAppliedBeforeTheKeeperReadsItsClockStartsAtTheNextReading() {
    LeaseKeeper keeper = LeaseKeeper.becomeLeader(kv.sm.leases(), config, now);
    // The loop stalled for 12 s and applied the grant before its next tick: the keeper's time is
    // stale, and counting the TTL from it would end the lease at once.
    long lease = kv.grant(10);
    assertThat(keeper.remainingMillis(lease)).isEqualTo(10_000);
    assertThat(revokes(tickAndApply(keeper, now + 12_000))).isEmpty();
    assertThat(keeper.remainingMillis(lease)).isEqualTo(10_000);
    assertThat(revokes(tickAndApply(keeper, now + 9_999))).isEmpty();
    assertThat(revokes(tickAndApply(keeper, now + 1))).containsExactly(lease);
  }

  @Test
  void anExpiredLeaseIsRevokedThroughTheLogAndItsKeysDeleted() {
    LeaseKeeper keeper = LeaseKeeper.becomeLeader(kv.sm.leases(), config, now);
    long lease = grant(keeper, 10);
    kv.put("k", "v", lease);
    assertThat(revokes(tickAndApply(keeper, now + 9_999))).isEmpty();
    List<KvCommand> out = tickAndApply(keeper, now + 1);
    assertThat(revokes(out)).containsExactly(lease);
    assertThat(kv.kv("k")).isEmpty();
    assertThat(kv.sm.leases().contains(lease)).isFalse();
    assertThat(keeper.remainingMillis(lease)).isEqualTo(-1);
  }

  @Test
  void aRevokeNotAppliedIsProposedAgainAfterTheRetryInterval() {
    LeaseKeeper keeper = LeaseKeeper.becomeLeader(kv.sm.leases(), config, now);
    long lease = grant(keeper, 10);
    assertThat(revokes(keeper.tick(now + 10_000))).containsExactly(lease);
    assertThat(revokes(keeper.tick(now + 12_999))).isEmpty();
    assertThat(revokes(keeper.tick(now + 13_000))).containsExactly(lease);
  }

  @Test
  void revokesPerTickAreLimited() {
    LeaseKeeper keeper =
        LeaseKeeper.becomeLeader(
            kv.sm.leases(), new LeaseKeeperConfig(5_000, 1000, 3_000, 2, 0), now);
    for (int i = 0; i < 5; i++) {
      grant(keeper, 10);
    }
    assertThat(revokes(tickAndApply(keeper, now + 10_000))).hasSize(2);
    assertThat(revokes(tickAndApply(keeper, now))).hasSize(2);
    assertThat(revokes(tickAndApply(keeper, now))).hasSize(1);
    assertThat(kv.sm.leases().size()).isZero();
  }

  @Test
  void keepAliveRenewsToTheGrantedTtlAndReturnsIt() {
    LeaseKeeper keeper = LeaseKeeper.becomeLeader(kv.sm.leases(), config, now);
    long lease = grant(keeper, 10);
    now += 8_000;
    assertThat(keeper.keepAlive(lease, now)).isEqualTo(10);
    assertThat(keeper.remainingMillis(lease)).isEqualTo(10_000);
    assertThat(revokes(tickAndApply(keeper, now + 9_999))).isEmpty();
    assertThat(revokes(tickAndApply(keeper, now + 1))).containsExactly(lease);
  }

  @Test
  void keepAliveOfAnUnknownOrExpiredLeaseAnswersTtlZero() {
    LeaseKeeper keeper = LeaseKeeper.becomeLeader(kv.sm.leases(), config, now);
    assertThat(keeper.keepAlive(424242, now)).isZero();
    long lease = grant(keeper, 10);
    assertThat(keeper.keepAlive(lease, now + 10_000)).isZero();
    assertThat(keeper.tick(now + 10_000)).isNotEmpty();
    assertThat(keeper.keepAlive(lease, now + 10_001)).isZero();
  }

  @Test
  void timeToLiveFloorsTheRemainingSecondsAndAnswersMinusOneWhenUnknown() {
    LeaseKeeper keeper = LeaseKeeper.becomeLeader(kv.sm.leases(), config, now);
    long lease = grant(keeper, 10);
    kv.put("b", "1", lease);
    kv.put("a", "1", lease);
    LeaseTimeToLive ttl = keeper.timeToLive(lease, true, now + 2_500);
    assertThat(ttl.ttlSeconds()).isEqualTo(7);
    assertThat(ttl.grantedTtlSeconds()).isEqualTo(10);
    assertThat(ttl.keys()).containsExactly(Kv.b("a"), Kv.b("b"));
    assertThat(keeper.timeToLive(lease, false, now + 2_500).keys()).isEmpty();
    assertThat(keeper.timeToLive(999, true, now))
        .isEqualTo(new LeaseTimeToLive(999, -1, 0, List.of()));
    assertThat(keeper.timeToLive(lease, false, now + 10_400).ttlSeconds()).isZero();
  }

  @Test
  void checkpointsCarryRemainingTtlsAndALeaderChangeResumesFromThem() {
    LeaseKeeper first = LeaseKeeper.becomeLeader(kv.sm.leases(), config, now);
    long lease = grant(first, 30);
    List<KvCommand> out = tickAndApply(first, now + 5_000);
    assertThat(out)
        .containsExactly(
            new KvCommand.LeaseCheckpoint(List.of(new KvCommand.Checkpoint(lease, 25_000))));
    assertThat(kv.sm.leases().lease(lease).get().checkpointedRemainingMillis()).isEqualTo(25_000);
    first.stop();
    now += 7_000; // the election took a while; the new leader resumes from the checkpoint
    LeaseKeeper second = LeaseKeeper.becomeLeader(kv.sm.leases(), config, now);
    assertThat(second.remainingMillis(lease)).isEqualTo(25_000);
    assertThat(second.timeToLive(lease, false, now).ttlSeconds()).isEqualTo(25);
    assertThat(revokes(tickAndApply(second, now + 24_999))).isEmpty();
    assertThat(revokes(tickAndApply(second, now + 1))).containsExactly(lease);
  }

  @Test
  void withoutACheckpointANewLeaderStartsFromTheGrantedTtlPlusTheGrace() {
    long lease = kv.grant(30);
    LeaseKeeper keeper =
        LeaseKeeper.becomeLeader(
            kv.sm.leases(), new LeaseKeeperConfig(5_000, 1000, 3_000, 500, 1_500), now);
    assertThat(keeper.remainingMillis(lease)).isEqualTo(31_500);
  }

  @Test
  void aKeepAliveClearsTheCheckpointSoANewLeaderDoesNotCutTheLeaseShort() {
    LeaseKeeper first = LeaseKeeper.becomeLeader(kv.sm.leases(), config, now);
    long lease = grant(first, 30);
    tickAndApply(first, now + 20_000); // checkpoints 10 s left
    assertThat(kv.sm.leases().lease(lease).get().checkpointedRemainingMillis()).isEqualTo(10_000);
    first.keepAlive(lease, now);
    List<KvCommand> out = tickAndApply(first, now + 100);
    assertThat(out)
        .containsExactly(
            new KvCommand.LeaseCheckpoint(List.of(new KvCommand.Checkpoint(lease, 0))));
    first.stop();
    LeaseKeeper second = LeaseKeeper.becomeLeader(kv.sm.leases(), config, now);
    assertThat(second.remainingMillis(lease)).isEqualTo(30_000);
  }

  @Test
  void aKeepAliveClearsACheckpointStillOnItsWayThroughTheLog() {
    LeaseKeeper first = LeaseKeeper.becomeLeader(kv.sm.leases(), config, now);
    long lease = grant(first, 30);
    now += 20_000;
    List<KvCommand> proposed = first.tick(now); // checkpoints 10 s left, not applied yet
    assertThat(proposed)
        .containsExactly(
            new KvCommand.LeaseCheckpoint(List.of(new KvCommand.Checkpoint(lease, 10_000))));
    assertThat(first.keepAlive(lease, now)).isEqualTo(30);
    List<KvCommand> clear = first.tick(now);
    assertThat(clear)
        .containsExactly(
            new KvCommand.LeaseCheckpoint(List.of(new KvCommand.Checkpoint(lease, 0))));
    proposed.forEach(kv::apply); // the log keeps proposal order: the stale one first
    clear.forEach(kv::apply);
    first.stop();
    LeaseKeeper second = LeaseKeeper.becomeLeader(kv.sm.leases(), config, now);
    assertThat(second.remainingMillis(lease)).isEqualTo(30_000);
  }

  @Test
  void aKeepAliveWhileAClearIsOnItsWayProposesAClearOfItsOwn() {
    // Sim seed 478385184: a checkpoint with time left was on its way, a first keep-alive proposed
    // its clear; a second one was answered at once, as if nothing needed clearing. Leadership then
    // ended with the checkpoint committed and the clear lost: the next leader cut the lease short.
    LeaseKeeper first = LeaseKeeper.becomeLeader(kv.sm.leases(), config, now);
    long lease = grant(first, 30);
    now += 20_000;
    List<KvCommand> stale = first.tick(now); // checkpoints 10 s left, not applied yet
    assertThat(first.keepAlive(lease, now)).isEqualTo(30);
    List<KvCommand> firstClear = first.tick(now);
    assertThat(firstClear)
        .containsExactly(
            new KvCommand.LeaseCheckpoint(List.of(new KvCommand.Checkpoint(lease, 0))));
    assertThat(first.keepAlive(lease, now + 50)).isEqualTo(30);
    List<KvCommand> secondClear = first.tick(now + 50);
    assertThat(secondClear) // the second renewal waits for this one, not for the first clear
        .containsExactly(
            new KvCommand.LeaseCheckpoint(List.of(new KvCommand.Checkpoint(lease, 0))));
    stale.forEach(kv::apply);
    firstClear.forEach(kv::apply);
    secondClear.forEach(kv::apply);
    // Everything applied: a keep-alive is answered on the table's word again, with nothing to
    // clear.
    assertThat(first.keepAlive(lease, now + 100)).isEqualTo(30);
    assertThat(first.tick(now + 100)).isEmpty();
    first.stop();
    LeaseKeeper second = LeaseKeeper.becomeLeader(kv.sm.leases(), config, now + 100);
    assertThat(second.remainingMillis(lease)).isEqualTo(30_000);
  }

  @Test
  void checkpointsAreBatched() {
    LeaseKeeper keeper =
        LeaseKeeper.becomeLeader(
            kv.sm.leases(), new LeaseKeeperConfig(5_000, 2, 3_000, 500, 0), now);
    for (int i = 0; i < 5; i++) {
      grant(keeper, 60);
    }
    List<KvCommand> out = keeper.tick(now + 5_000);
    assertThat(out).hasSize(3).allMatch(c -> c instanceof KvCommand.LeaseCheckpoint);
  }

  @Test
  void aStoppedKeeperNoLongerObservesTheTable() {
    LeaseKeeper keeper = LeaseKeeper.becomeLeader(kv.sm.leases(), config, now);
    keeper.stop();
    long lease = kv.grant(10);
    assertThat(keeper.remainingMillis(lease)).isEqualTo(-1);
    assertThat(kv.sm.leases().observer()).isNotSameAs(keeper);
  }

  @Test
  void aKeeperFollowsARestoredTable() {
    Kv source = new Kv();
    long lease = source.grant(20);
    LeaseKeeper keeper = LeaseKeeper.becomeLeader(kv.sm.leases(), config, now);
    kv.sm.restore(
        new io.synod.raft.SnapshotMeta(5, 1, io.synod.raft.ConfState.EMPTY), source.sm.snapshot());
    assertThat(keeper.remainingMillis(lease)).isEqualTo(20_000);
  }

  private static List<Long> revokes(List<KvCommand> commands) {
    List<Long> ids = new ArrayList<>();
    for (KvCommand c : commands) {
      if (c instanceof KvCommand.LeaseRevoke r) {
        ids.add(r.id());
      }
    }
    return ids;
  }
}
