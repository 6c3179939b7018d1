package io.synod.server.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import io.synod.kv.Compare;
import io.synod.kv.KvCommand;
import io.synod.kv.KvConfig;
import io.synod.kv.KvResponse;
import io.synod.kv.KvStateMachine;
import io.synod.kv.RequestOp;
import io.synod.raft.ConfState;
import io.synod.raft.SnapshotMeta;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link QueueWaiter} and {@link LeaderObserver} on a bare state machine, one command at a time,
 * with answers delivered on the calling thread: exact turns, the predecessor chain, the own key's
 * loss, cancellation, leader reports, and a snapshot restore that compacts past their watchers.
 */
class QueueWaiterTest {
  private final KvStateMachine sm = new KvStateMachine(KvConfig.defaults());
  private long index;

  private static Bytes b(String s) {
    return Bytes.utf8(s);
  }

  private KvResponse apply(KvCommand c) {
    return sm.applyCommand(c, ++index);
  }

  /** Puts {@code key}; returns its revision. */
  private long put(String key, String value, long lease) {
    return ((KvResponse.Put) apply(new KvCommand.Put(b(key), b(value), lease, false, false, false)))
        .revision();
  }

  private long put(String key) {
    return put(key, "", 0);
  }

  private void delete(String key) {
    apply(new KvCommand.DeleteRange(b(key), Bytes.EMPTY, false));
  }

  private QueueWaiter waiter(String ownKey, long ownRevision) {
    QueueWaiter w = new QueueWaiter(b("q/"), b(ownKey), ownRevision, Runnable::run);
    w.start(sm);
    return w;
  }

  private static QueueWaiter.Turn turn(QueueWaiter w) {
    return w.result().getNow(null);
  }

  @Test
  void theTurnComesWhenEveryKeyCreatedBeforeIsDeleted() {
    put("q/1");
    put("q/2");
    long own = put("q/3");
    put("q/4");
    QueueWaiter w = waiter("q/3", own);
    assertThat(turn(w)).isNull();
    put("q/1", "changed", 0); // a change ahead is no turn
    put("qq", "x", 0); // outside the prefix
    delete("q/1");
    assertThat(turn(w)).isNull();
    delete("q/4"); // behind
    assertThat(turn(w)).isNull();
    delete("q/2");
    assertThat(turn(w)).isEqualTo(new QueueWaiter.Turn.Came(sm.revision()));
    assertThat(sm.watchHub().watcherCount()).isZero();
  }

  @Test
  void whenThePredecessorGoesFirstItWatchesTheOneBefore() {
    put("q/1");
    put("q/2");
    long own = put("q/3");
    QueueWaiter w = waiter("q/3", own);
    delete("q/2");
    assertThat(turn(w)).isNull();
    delete("q/1");
    assertThat(turn(w)).isInstanceOf(QueueWaiter.Turn.Came.class);
  }

  @Test
  void nothingAheadIsATurnAtOnce() {
    long own = put("q/1");
    put("q/2");
    assertThat(turn(waiter("q/1", own))).isEqualTo(new QueueWaiter.Turn.Came(sm.revision()));
  }

  @Test
  void losingTheOwnKeyEndsTheWait() {
    put("q/1");
    long own = put("q/2");
    QueueWaiter deleted = waiter("q/2", own);
    long lease = ((KvResponse.LeaseGrant) apply(new KvCommand.LeaseGrant(60, 0))).id();
    long own3 = put("q/3", "", lease);
    QueueWaiter revoked = waiter("q/3", own3);
    delete("q/2");
    assertThat(turn(deleted)).isEqualTo(new QueueWaiter.Turn.OwnKeyGone());
    apply(new KvCommand.LeaseRevoke(lease));
    assertThat(turn(revoked)).isEqualTo(new QueueWaiter.Turn.OwnKeyGone());
    // A key gone before the wait starts, or gone and created again, is lost too.
    assertThat(turn(waiter("q/2", own))).isEqualTo(new QueueWaiter.Turn.OwnKeyGone());
    put("q/2");
    assertThat(turn(waiter("q/2", own))).isEqualTo(new QueueWaiter.Turn.OwnKeyGone());
    assertThat(sm.watchHub().watcherCount()).isZero();
  }

  @Test
  void theOwnKeyIsCheckedBeforeTheKeysAhead() {
    put("q/1");
    long own = put("q/2");
    QueueWaiter w = waiter("q/2", own);
    // One revision deletes the predecessor and the own key.
    apply(new KvCommand.DeleteRange(b("q/"), b("q0"), false));
    assertThat(turn(w)).isEqualTo(new QueueWaiter.Turn.OwnKeyGone());
  }

  @Test
  void cancellingEndsTheWaitAndDropsItsWatchers() {
    put("q/1");
    long own = put("q/2");
    QueueWaiter w = waiter("q/2", own);
    assertThat(sm.watchHub().watcherCount()).isEqualTo(2);
    w.cancel();
    assertThat(turn(w)).isEqualTo(new QueueWaiter.Turn.Cancelled());
    assertThat(sm.watchHub().watcherCount()).isZero();
    delete("q/1");
    assertThat(turn(w)).isEqualTo(new QueueWaiter.Turn.Cancelled());
    // Cancelled before it started: it never starts.
    QueueWaiter early = new QueueWaiter(b("q/"), b("q/2"), own, Runnable::run);
    early.cancel();
    early.start(sm);
    assertThat(turn(early)).isEqualTo(new QueueWaiter.Turn.Cancelled());
    assertThat(sm.watchHub().watcherCount()).isZero();
  }

  @Test
  void aSnapshotThatCompactedPastTheWatchersIsLookedAtAgain() {
    put("q/1");
    long own = put("q/2");
    QueueWaiter w = waiter("q/2", own);

    // Another replica went on: q/1 deleted, history compacted; this one installs its snapshot.
    KvStateMachine ahead = new KvStateMachine(KvConfig.defaults());
    long i = 0;
    ahead.applyCommand(new KvCommand.Put(b("q/1"), Bytes.EMPTY, 0, false, false, false), ++i);
    ahead.applyCommand(new KvCommand.Put(b("q/2"), Bytes.EMPTY, 0, false, false, false), ++i);
    ahead.applyCommand(new KvCommand.DeleteRange(b("q/1"), Bytes.EMPTY, false), ++i);
    ahead.applyCommand(new KvCommand.Put(b("x"), Bytes.EMPTY, 0, false, false, false), ++i);
    ahead.applyCommand(new KvCommand.Compact(ahead.revision(), false), ++i);
    sm.restore(new SnapshotMeta(i, 1, ConfState.EMPTY), ahead.snapshot());
    assertThat(turn(w)).isNull();
    sm.watchHub().pump();
    assertThat(turn(w)).isEqualTo(new QueueWaiter.Turn.Came(sm.revision()));
  }

  // ---------------------------------------------------------------------------------------------
  // LeaderObserver

  private record Report(long revision, String key, String value) {}

  private LeaderObserver observer(List<Report> reports) {
    LeaderObserver o =
        new LeaderObserver(
            b("q/"),
            (rev, kv) ->
                reports.add(new Report(rev, kv.key().toStringUtf8(), kv.value().toStringUtf8())));
    o.start(sm);
    return o;
  }

  @Test
  void theObserverReportsTheLeaderItsValuesAndItsSuccessors() {
    put("q/a", "a1", 0);
    put("q/b", "b1", 0);
    List<Report> reports = new ArrayList<>();
    LeaderObserver o = observer(reports);
    assertThat(reports).containsExactly(new Report(sm.revision(), "q/a", "a1"));
    put("q/b", "b2", 0); // not the leader
    long p = put("q/a", "a2", 0);
    assertThat(reports).last().isEqualTo(new Report(p, "q/a", "a2"));
    delete("q/a");
    assertThat(reports).last().isEqualTo(new Report(sm.revision(), "q/b", "b2"));
    delete("q/b");
    assertThat(reports).hasSize(3);
    long first = put("q/c", "c1", 0);
    assertThat(reports).last().isEqualTo(new Report(first, "q/c", "c1"));
    // One revision replaces the leader: one report, of the new one.
    apply(
        new KvCommand.Txn(
            List.of(
                new Compare(
                    Compare.Result.GREATER,
                    Compare.Target.CREATE,
                    b("q/c"),
                    Bytes.EMPTY,
                    0,
                    Bytes.EMPTY)),
            List.of(
                new RequestOp.DeleteRange(new KvCommand.DeleteRange(b("q/c"), Bytes.EMPTY, false)),
                new RequestOp.Put(new KvCommand.Put(b("q/d"), b("d1"), 0, false, false, false))),
            List.of()));
    assertThat(reports).hasSize(5);
    assertThat(reports).last().isEqualTo(new Report(sm.revision(), "q/d", "d1"));
    o.close();
    assertThat(sm.watchHub().watcherCount()).isZero();
    put("q/d", "d2", 0);
    assertThat(reports).hasSize(5);
  }

  @Test
  void theObserverFollowsAgainAfterASnapshotCompactedPastIt() {
    put("q/a", "a1", 0);
    List<Report> reports = new ArrayList<>();
    observer(reports);
    KvStateMachine ahead = new KvStateMachine(KvConfig.defaults());
    long i = 0;
    ahead.applyCommand(new KvCommand.Put(b("q/a"), b("a1"), 0, false, false, false), ++i);
    ahead.applyCommand(new KvCommand.Put(b("q/b"), b("b1"), 0, false, false, false), ++i);
    ahead.applyCommand(new KvCommand.DeleteRange(b("q/a"), Bytes.EMPTY, false), ++i);
    ahead.applyCommand(new KvCommand.Compact(ahead.revision(), false), ++i);
    sm.restore(new SnapshotMeta(i, 1, ConfState.EMPTY), ahead.snapshot());
    sm.watchHub().pump();
    assertThat(reports).last().isEqualTo(new Report(sm.revision(), "q/b", "b1"));
  }
}
