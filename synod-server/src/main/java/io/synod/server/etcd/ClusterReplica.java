package io.synod.server.etcd;

import io.synod.common.Bytes;
import io.synod.kv.KvStateMachine;
import io.synod.raft.RaftNode;
import io.synod.raft.replica.ReplicaLoop;
import io.synod.server.ServerContext;
import io.synod.server.cluster.Alarm;
import io.synod.server.cluster.ClusterCommand;
import io.synod.server.cluster.ClusterTable;
import io.synod.server.cluster.Member;
import io.synod.server.node.LoopHook;
import io.synod.server.node.ProposalOutcome;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The cluster side of a member's replica, on the loop thread after every turn ({@link LoopHook}):
 *
 * <ul>
 *   <li>the {@link io.synod.server.peer.PeerRoster} follows the replicated member table (new
 *       members' links open, removed members' close), and once this member's own removal applies it
 *       learns it and the server stops;
 *   <li>a started member publishes its name and client URLs once (etcd's {@code publish}), again if
 *       the table does not show them;
 *   <li>the store's size is measured now and then (at most once a second; at once when asked, e.g.
 *       by Defragment), and published with the NOSPACE alarm for the {@link SpaceQuota}.
 * </ul>
 *
 * <p><b>Threads.</b> {@link #afterTurn} and the methods the services run through {@code
 * NodeRunner.call} run on the loop thread; {@link #sizeBytes()}, {@link #noSpaceRaised()}, {@link
 * #attach}, {@link #raiseNoSpace()} and {@link #measureSoon()} are safe from any thread.
 */
public final class ClusterReplica implements LoopHook {
  private static final long PUBLISH_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long MEASURE_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  /**
   * Measuring walks every version the store holds, on the loop thread, and history grows until a
   * compaction: measurements are at least this many times their own cost apart, so they never take
   * more than about 2 % of the loop.
   */
  private static final long MEASURE_COST_FACTOR = 50;

  /**
   * What an empty store counts for: its fixed structures (etcd's empty backend reports about 20 kB
   * in use), so a size is never zero.
   */
  static final long EMPTY_STORE_BYTES = 16 * 1024;

  private final EtcdStateMachine sm;
  private volatile ServerContext ctx;

  // Loop thread only.
  private long seenChanges = -1;
  private boolean publishedOnce;
  private long publishedAtNanos;
  private long measuredAtNanos;
  private long measureIntervalNanos = MEASURE_INTERVAL_NANOS;
  private long measuredAtIndex = -1;
  private long measuredBytes;
  private long appliedBytesAtMeasure;

  private volatile boolean measureSoon = true;
  private volatile long sizeBytes;
  private volatile boolean noSpace;
  private volatile List<Alarm> alarms = List.of();
  private volatile boolean learner;

  public ClusterReplica(KvStateMachine kv) {
    this.sm = new EtcdStateMachine(kv);
  }

  /** The state machine the replica loop applies to. */
  public EtcdStateMachine stateMachine() {
    return sm;
  }

  /** The member this replica belongs to; until then the hook only measures. */
  void attach(ServerContext context) {
    this.ctx = context;
  }

  /** The store's size as last measured (plus what was applied since, roughly). */
  long sizeBytes() {
    return sizeBytes;
  }

  boolean noSpaceRaised() {
    return noSpace;
  }

  /** The raised alarms, as of the loop's last turn. */
  List<Alarm> alarms() {
    return alarms;
  }

  /** Whether this member is a learner, as of the loop's last turn. */
  boolean isLearner() {
    return learner;
  }

  /** Measures the store's size at the next turn (after a compaction or a defragment). */
  void measureSoon() {
    measureSoon = true;
    ServerContext c = ctx;
    if (c != null) {
      c.runner().wake();
    }
  }

  /** Proposes this member's NOSPACE alarm (etcd raises it when a write would pass the quota). */
  CompletableFuture<ProposalOutcome> raiseNoSpace() {
    ServerContext c = ctx;
    if (c == null) {
      return CompletableFuture.completedFuture(new ProposalOutcome.Busy("not started"));
    }
    Alarm alarm = new Alarm(c.memberId(), Alarm.Type.NOSPACE);
    return c.proposer().propose(ClusterCommand.encode(new ClusterCommand.AlarmChange(true, alarm)));
  }

  @Override
  public boolean afterTurn(ReplicaLoop loop, long nowNanos) {
    ServerContext c = ctx;
    ClusterTable table = sm.table();
    if (c != null && table.changeCount() != seenChanges) {
      seenChanges = table.changeCount();
      follow(c, table);
    }
    if (c != null) {
      maybePublish(c, loop.node(), table, nowNanos);
    }
    maybeMeasure(loop.node(), nowNanos);
    noSpace = table.hasAlarm(Alarm.Type.NOSPACE);
    if (!alarms.equals(table.alarms())) {
      alarms = table.alarms();
    }
    learner = table.conf().isLearner(loop.node().id());
    return false;
  }

  private void follow(ServerContext c, ClusterTable table) {
    long self = c.memberId();
    c.roster().follow(table.peerUrls(), table.removed(), table.conf().contains(self));
    if (table.isRemoved(self)) {
      c.roster().selfRemoved("its removal was applied");
    }
  }

  /** etcd's publish: the member's name and client URLs go into the replicated table. */
  private void maybePublish(ServerContext c, RaftNode node, ClusterTable table, long nowNanos) {
    long self = c.memberId();
    Member me = table.member(self).orElse(null);
    List<String> clientUrls = c.config().advertiseClientUrls();
    if (me == null
        || (me.name().equals(c.config().name()) && me.clientUrls().equals(clientUrls))
        || node.leaderId() == RaftNode.NONE
        || (publishedOnce && nowNanos - publishedAtNanos < PUBLISH_RETRY_NANOS)) {
      return;
    }
    publishedOnce = true;
    publishedAtNanos = nowNanos;
    Bytes command =
        ClusterCommand.encode(new ClusterCommand.Publish(self, c.config().name(), clientUrls));
    c.proposer().propose(command);
  }

  private void maybeMeasure(RaftNode node, long nowNanos) {
    boolean due =
        measureSoon
            || (node.appliedIndex() != measuredAtIndex
                && nowNanos - measuredAtNanos >= measureIntervalNanos);
    if (due) {
      measureSoon = false;
      measuredAtNanos = nowNanos;
      measuredAtIndex = node.appliedIndex();
      long startNanos = System.nanoTime();
      measuredBytes = sm.kv().footprintBytes();
      long costNanos = System.nanoTime() - startNanos;
      measureIntervalNanos = Math.max(MEASURE_INTERVAL_NANOS, MEASURE_COST_FACTOR * costNanos);
      appliedBytesAtMeasure = sm.appliedBytes();
    }
    // Between measurements, what was applied since counts in full (an upper bound).
    sizeBytes = EMPTY_STORE_BYTES + measuredBytes + (sm.appliedBytes() - appliedBytesAtMeasure);
  }
}
