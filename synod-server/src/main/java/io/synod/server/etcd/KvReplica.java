package io.synod.server.etcd;

import io.synod.common.Assert;
import io.synod.common.Clock;
import io.synod.kv.KvCodec;
import io.synod.kv.KvCommand;
import io.synod.kv.KvStateMachine;
import io.synod.kv.LeaseKeeper;
import io.synod.kv.LeaseKeeperConfig;
import io.synod.kv.LeaseTimeToLive;
import io.synod.raft.RaftNode;
import io.synod.raft.Role;
import io.synod.raft.replica.Outcome;
import io.synod.raft.replica.ReplicaLoop;
import io.synod.server.node.LoopHook;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * synod-kv's state machine as one member runs it: the {@link KvStateMachine} the replica loop
 * applies to, and the loop-thread work around it ({@link LoopHook}):
 *
 * <ul>
 *   <li>watch delivery: {@code hub.pump()} after every turn (catch-up of watchers that are behind
 *       or whose stream was full) and {@code hub.progress(now)};
 *   <li>while this member leads: the {@link LeaseKeeper} (built when leadership starts, on the real
 *       clock; its revokes and checkpoints are proposed here; stopped when leadership ends) and the
 *       {@link AutoCompactor} (its compactions are proposed here);
 *   <li>the "require leader" monitor: streams opened with {@code hasleader=true} are told when the
 *       member has had no leader for three election timeouts (etcd's {@code monitorLeader});
 *   <li>the store revision, published for response headers built off the loop thread.
 * </ul>
 *
 * <p><b>Threads.</b> Everything but {@link #publishedRevision()} and {@link #stateMachine()} (to
 * hand it to the loop) runs on the replica loop's thread: the hook itself, and the methods the
 * services call through {@code NodeRunner.call}.
 */
public final class KvReplica implements LoopHook {
  /**
   * Knobs.
   *
   * @param electionMillis the election timeout (the leader monitor waits three of them)
   * @param leases the leader's lease clock settings
   * @param compaction the auto compaction policy
   */
  public record Settings(
      long electionMillis, LeaseKeeperConfig leases, AutoCompactor.Policy compaction) {}

  /** What a leader-only question got: a value, or "not the leader" with the leader known (or 0). */
  sealed interface LeaderAnswer<T> {
    record Value<T>(T value) implements LeaderAnswer<T> {}

    record NotLeader<T>(long leaderHint) implements LeaderAnswer<T> {}

    /** Not known yet: {@code answer} completes with it (on the loop thread). */
    record Later<T>(CompletableFuture<LeaderAnswer<T>> answer) implements LeaderAnswer<T> {}
  }

  /** State that exists only while this member leads (one term). */
  private static final class LeaderState {
    final long term;
    final LeaseKeeper keeper;
    final AutoCompactor compactor;

    LeaderState(long term, LeaseKeeper keeper, AutoCompactor compactor) {
      this.term = term;
      this.keeper = keeper;
      this.compactor = compactor;
    }
  }

  private final KvStateMachine sm;
  private final Clock clock;
  private final Settings settings;
  private LeaderState leader;
  private volatile long revision;
  private volatile long compactRevision;
  private volatile int keys;
  private volatile int watchers;
  private volatile int leases;

  /**
   * Offers the watch sinks took and refused (loop thread); tells a useful pump from a futile one.
   */
  private long offersTaken;

  private long offersRefused;

  private final LinkedHashSet<Runnable> leaderRequired = new LinkedHashSet<>();

  /** Actions waiting for the store to reach a revision, by revision ({@link #whenRevision}). */
  private final TreeMap<Long, List<Consumer<KvStateMachine>>> atRevision = new TreeMap<>();

  private long noLeaderSinceNanos = -1;

  public KvReplica(KvStateMachine sm, Clock clock, Settings settings) {
    this.sm = sm;
    this.clock = clock;
    this.settings = settings;
    this.revision = sm.revision();
  }

  /** The state machine, for the replica loop to apply to. */
  public KvStateMachine stateMachine() {
    return sm;
  }

  /** The store revision after the loop's last turn; safe from any thread. */
  public long publishedRevision() {
    return revision;
  }

  /** The compaction revision after the loop's last turn (-1 if never); safe from any thread. */
  public long publishedCompactRevision() {
    return compactRevision;
  }

  /** Keys with a history after the loop's last turn; safe from any thread. */
  public int publishedKeys() {
    return keys;
  }

  /** Watchers after the loop's last turn; safe from any thread. */
  public int publishedWatchers() {
    return watchers;
  }

  /** Leases after the loop's last turn; safe from any thread. */
  public int publishedLeases() {
    return leases;
  }

  // ---------------------------------------------------------------------------------------------
  // The loop hook

  @Override
  public boolean afterTurn(ReplicaLoop loop, long nowNanos) {
    long nowMillis = TimeUnit.NANOSECONDS.toMillis(nowNanos);
    runReachedRevisions();
    LeaderState l = syncLeadership(loop, nowMillis);
    if (l != null) {
      for (KvCommand c : l.keeper.tick(nowMillis)) {
        propose(loop, c);
      }
      OptionalLong compactTo = l.compactor.tick(nowMillis, sm.revision());
      if (compactTo.isPresent()) {
        propose(loop, new KvCommand.Compact(compactTo.getAsLong(), false));
      }
    }
    sm.watchHub().progress(nowMillis);
    long taken = offersTaken;
    long refused = offersRefused;
    boolean behind = sm.watchHub().pump();
    revision = sm.revision();
    compactRevision = sm.compactRevision();
    keys = sm.keyCount();
    watchers = sm.watchHub().watcherCount();
    leases = sm.leases().size();
    monitorLeader(loop.node(), nowNanos);
    // Turn again at once only if the pump got somewhere; watchers held up by full streams resume
    // when a stream drains and wakes the loop (or at the next tick).
    return behind && (offersRefused == refused || offersTaken > taken);
  }

  /**
   * Runs {@code action} on the loop thread once the store has reached {@code revision}: at once if
   * it has, else after the turn that applies it. A member that applied the entry of a write it was
   * told about sees that write, without a ReadIndex round. Loop thread only; an action that never
   * comes due (the member stops first) is dropped with the loop.
   */
  void whenRevision(long revision, Consumer<KvStateMachine> action) {
    if (sm.revision() >= revision) {
      action.accept(sm);
      return;
    }
    atRevision.computeIfAbsent(revision, r -> new ArrayList<>()).add(action);
  }

  private void runReachedRevisions() {
    while (!atRevision.isEmpty() && atRevision.firstKey() <= sm.revision()) {
      for (Consumer<KvStateMachine> action : atRevision.pollFirstEntry().getValue()) {
        action.accept(sm);
      }
    }
  }

  private static void propose(ReplicaLoop loop, KvCommand c) {
    // Fire and forget: a revoke that does not apply is proposed again by the keeper; a failed
    // compaction is tried again at the next period.
    loop.propose(KvCodec.encode(c), outcome -> {});
  }

  /** Starts or stops the leader's state to match the node's role; returns it if leading. */
  private LeaderState syncLeadership(ReplicaLoop loop, long nowMillis) {
    RaftNode node = loop.node();
    boolean leading = node.role() == Role.LEADER;
    if (leader != null && (!leading || leader.term != node.term())) {
      leader.keeper.stop();
      leader = null;
    }
    if (leading && leader == null) {
      leader =
          new LeaderState(
              node.term(),
              LeaseKeeper.becomeLeader(sm.leases(), settings.leases(), nowMillis),
              new AutoCompactor(settings.compaction(), nowMillis));
    }
    return leader;
  }

  private void monitorLeader(RaftNode node, long nowNanos) {
    if (node.leaderId() != 0) {
      noLeaderSinceNanos = -1;
      return;
    }
    if (noLeaderSinceNanos < 0) {
      noLeaderSinceNanos = nowNanos;
      return;
    }
    long limitNanos = TimeUnit.MILLISECONDS.toNanos(3 * settings.electionMillis());
    if (nowNanos - noLeaderSinceNanos >= limitNanos && !leaderRequired.isEmpty()) {
      List<Runnable> lost = new ArrayList<>(leaderRequired);
      leaderRequired.clear();
      lost.forEach(Runnable::run);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Called by the services on the loop thread

  /**
   * The leader's keep-alive: the granted TTL, 0 for an unknown or expired lease.
   *
   * <p>As etcd 3.5's Renew: if the lease has a checkpoint (applied, or proposed and still on its
   * way), the renewal is acknowledged only once a checkpoint taken after it has applied ({@link
   * LeaderAnswer.Later}): the clear, or the periodic checkpoint if that falls due in the same tick.
   * Acknowledged at once, a leader that lost office before the clear committed left the next one to
   * resume the lease from the older checkpoint's remaining time, and revoke it while the client
   * held it (the keeper's half of this was simulator seed 478385184). If the clear does not apply
   * here, the answer is "not the leader", and the caller renews again at the next leader.
   */
  LeaderAnswer<Long> keepAlive(ReplicaLoop loop, long id) {
    long now = nowMillis();
    LeaderState l = syncLeadership(loop, now);
    if (l == null) {
      return new LeaderAnswer.NotLeader<>(loop.node().leaderId());
    }
    long ttl = l.keeper.keepAlive(id, now);
    if (ttl == 0 || !l.keeper.renewalAwaitsClear(id)) {
      return new LeaderAnswer.Value<>(ttl);
    }
    CompletableFuture<LeaderAnswer<Long>> answer = new CompletableFuture<>();
    boolean waiting = false;
    for (KvCommand c : l.keeper.tick(now)) {
      if (!waiting && c instanceof KvCommand.LeaseCheckpoint cp && cp.covers(id)) {
        waiting = true;
        loop.propose(
            KvCodec.encode(c),
            outcome ->
                answer.complete(
                    outcome instanceof Outcome.Applied
                        ? new LeaderAnswer.Value<>(ttl)
                        : new LeaderAnswer.NotLeader<>(loop.node().leaderId())));
      } else {
        propose(loop, c);
      }
    }
    Assert.that(waiting, "renewal of lease %d awaits a checkpoint the keeper did not propose", id);
    return new LeaderAnswer.Later<>(answer);
  }

  /** The leader's time-to-live; TTL -1 for an unknown lease. */
  LeaderAnswer<LeaseTimeToLive> timeToLive(ReplicaLoop loop, long id, boolean withKeys) {
    LeaderState l = syncLeadership(loop, nowMillis());
    if (l == null) {
      return new LeaderAnswer.NotLeader<>(loop.node().leaderId());
    }
    return new LeaderAnswer.Value<>(l.keeper.timeToLive(id, withKeys, nowMillis()));
  }

  /**
   * {@code onLost} runs (on the loop thread, once) if the member goes without a leader too long.
   */
  void requireLeader(Runnable onLost) {
    leaderRequired.add(onLost);
  }

  void releaseLeader(Runnable onLost) {
    leaderRequired.remove(onLost);
  }

  /** A watch sink took ({@code true}) or refused an offer. */
  void offered(boolean taken) {
    if (taken) {
      offersTaken++;
    } else {
      offersRefused++;
    }
  }

  private long nowMillis() {
    return TimeUnit.NANOSECONDS.toMillis(clock.monotonicNanos());
  }
}
