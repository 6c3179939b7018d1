package io.synod.kv;

import io.synod.common.Assert;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The leader's lease clock. It keeps each lease's expiry deadline (not replicated, as in etcd),
 * renews it on keep-alive, and turns time into commands for the leader to propose: a {@code
 * LeaseRevoke} when a lease expires (a follower's clock never ends a lease) and periodic {@code
 * LeaseCheckpoint}s of the remaining TTLs, so that a new leader resumes every lease from its
 * checkpointed remaining time instead of the full TTL.
 *
 * <p>Life cycle: build it with {@link #becomeLeader} when the node becomes leader (it registers as
 * the table's {@link LeaseObserver} to follow grants and revokes), drive it with {@link #tick} from
 * the loop's clock, and {@link #stop()} it when the node stops leading. Deterministic: time enters
 * only as the {@code nowMillis} arguments.
 *
 * <p><b>Threads.</b> Confined to the replica loop's thread, like the table it observes.
 */
public final class LeaseKeeper implements LeaseObserver {
  private static final long NEVER = Long.MIN_VALUE;

  private final LeaseTable table;
  private final LeaseKeeperConfig config;

  private static final class Deadline implements Comparable<Deadline> {
    final long id;
    long atMillis;

    /** When the revoke was last proposed, or NEVER: the lease is alive. */
    long revokeProposedAtMillis = NEVER;

    Deadline(long id, long atMillis) {
      this.id = id;
      this.atMillis = atMillis;
    }

    @Override
    public int compareTo(Deadline o) {
      int c = Long.compare(atMillis, o.atMillis);
      return c != 0 ? c : Long.compare(id, o.id);
    }
  }

  private final TreeMap<Long, Deadline> byId = new TreeMap<>();

  /** Deadlines to act on in time order: expiries, and retries of revokes not yet applied. */
  private final TreeSet<Deadline> queue = new TreeSet<>();

  /**
   * Leases granted (or restored) since the keeper last read its clock, with the milliseconds they
   * have: their deadline starts at the next reading. The keeper's own time may be stale when a
   * grant applies (the loop may apply entries before its first tick after a stall), and a deadline
   * counted from a stale time could end a lease its client was just given.
   */
  private final TreeMap<Long, Long> starting = new TreeMap<>();

  /**
   * Leases whose newest checkpoint proposed by this keeper carries a remaining TTL, applied or not:
   * a renewal must clear it even if the table does not show it yet, or the checkpoint, applied
   * after the renewal, would hand a new leader the stale remaining TTL.
   */
  private final TreeSet<Long> checkpointed = new TreeSet<>();

  /**
   * Per lease, how many checkpoints this keeper proposed that have not applied yet (of any
   * remaining TTL, clears included). While one is on its way, a renewal must not be answered on the
   * strength of the table alone: a checkpoint with a remaining TTL may still be ahead of it in the
   * log, and a clear proposed for an earlier renewal may never commit (it is lost if leadership
   * ends first). So such a renewal proposes a clear of its own, and the server answers once that
   * one applies, when everything proposed before it has applied too. Counting applies as ours
   * relies on the keeper being started once its leader applied its own term's first entry (nothing
   * older is left to apply). A checkpoint that never applies while this keeper lives (a dropped
   * proposal) leaves the count up: later renewals of that lease then each wait for a clear, which
   * is only slower.
   */
  private final TreeMap<Long, Integer> unapplied = new TreeMap<>();

  /** Leases renewed since their last checkpoint; their checkpoint must be cleared. */
  private final TreeSet<Long> renewed = new TreeSet<>();

  private long nowMillis;
  private long nextCheckpointAtMillis;
  private boolean stopped;

  private LeaseKeeper(LeaseTable table, LeaseKeeperConfig config, long nowMillis) {
    this.table = table;
    this.config = config;
    this.nowMillis = nowMillis;
    this.nextCheckpointAtMillis = nowMillis + config.checkpointIntervalMillis();
  }

  /**
   * Starts the keeper of a new leader: every lease gets the deadline {@code now + remaining +
   * grace}, where remaining is the last checkpointed remaining TTL, or the granted TTL if none.
   */
  public static LeaseKeeper becomeLeader(
      LeaseTable table, LeaseKeeperConfig config, long nowMillis) {
    LeaseKeeper k = new LeaseKeeper(table, config, nowMillis);
    k.trackAll();
    table.observe(k);
    return k;
  }

  /** The node stopped leading: forget every deadline and stop observing the table. */
  public void stop() {
    if (table.observer() == this) {
      table.observe(null);
    }
    byId.clear();
    queue.clear();
    renewed.clear();
    starting.clear();
    checkpointed.clear();
    unapplied.clear();
    stopped = true;
  }

  /**
   * Advances the keeper's clock; returns the commands the leader should propose now: revokes of
   * expired leases (at most {@link LeaseKeeperConfig#revokesPerTickMax()}, retried after {@link
   * LeaseKeeperConfig#revokeRetryMillis()} until applied) and, when due or after keep-alives,
   * checkpoints.
   */
  public List<KvCommand> tick(long nowMillis) {
    Assert.that(!stopped, "tick on a stopped lease keeper");
    advance(nowMillis);
    List<KvCommand> out = new ArrayList<>();
    int revokes = 0;
    while (!queue.isEmpty()
        && queue.first().atMillis <= this.nowMillis
        && revokes < config.revokesPerTickMax()) {
      Deadline d = queue.pollFirst();
      d.revokeProposedAtMillis = this.nowMillis;
      d.atMillis = this.nowMillis + config.revokeRetryMillis();
      queue.add(d);
      renewed.remove(d.id);
      out.add(new KvCommand.LeaseRevoke(d.id));
      revokes++;
    }
    checkpoints(out);
    return out;
  }

  private void checkpoints(List<KvCommand> out) {
    TreeMap<Long, Long> remaining = new TreeMap<>();
    if (nowMillis >= nextCheckpointAtMillis) {
      nextCheckpointAtMillis = nowMillis + config.checkpointIntervalMillis();
      for (Deadline d : byId.values()) {
        if (d.revokeProposedAtMillis == NEVER) {
          // At least 1 ms: 0 would clear the checkpoint and give an expired lease its full TTL.
          remaining.put(d.id, Math.max(1, d.atMillis - nowMillis));
        }
      }
    }
    for (long id : renewed) {
      // etcd clears the checkpoint on renewal, so a new leader starts from the full TTL again.
      remaining.putIfAbsent(id, 0L);
    }
    renewed.clear();
    List<KvCommand.Checkpoint> batch = new ArrayList<>();
    for (var e : remaining.entrySet()) {
      if (e.getValue() > 0) {
        checkpointed.add(e.getKey());
      } else {
        checkpointed.remove(e.getKey());
      }
      unapplied.merge(e.getKey(), 1, Integer::sum);
      batch.add(new KvCommand.Checkpoint(e.getKey(), e.getValue()));
      if (batch.size() == config.checkpointBatchMax()) {
        out.add(new KvCommand.LeaseCheckpoint(batch));
        batch = new ArrayList<>();
      }
    }
    if (!batch.isEmpty()) {
      out.add(new KvCommand.LeaseCheckpoint(batch));
    }
  }

  /**
   * etcd's LeaseKeepAlive: renews the lease's deadline to {@code now + granted TTL} and returns the
   * granted TTL, or 0 if the lease is unknown or already expired (not an error in etcd).
   *
   * <p>If the lease has a checkpoint, applied or not, or a checkpoint of it is still on its way
   * through the log, the next {@link #tick} proposes one that clears it, and the renewal may be
   * acknowledged only once that checkpoint applied (as etcd 3.5's Renew waits for it).
   */
  public long keepAlive(long id, long nowMillis) {
    Assert.that(!stopped, "keep-alive on a stopped lease keeper");
    advance(nowMillis);
    Deadline d = byId.get(id);
    var info = table.lease(id);
    if (d == null || info.isEmpty() || isExpired(d)) {
      return 0;
    }
    queue.remove(d);
    d.atMillis = this.nowMillis + info.get().grantedTtlSeconds() * 1000;
    queue.add(d);
    boolean hasCheckpoint =
        info.get().checkpointedRemainingMillis() > 0
            || checkpointed.contains(id)
            || unapplied.containsKey(id);
    if (hasCheckpoint && !config.has(KvPlantedBug.KEEP_ALIVE_KEEPS_CHECKPOINT)) {
      renewed.add(id);
    }
    return info.get().grantedTtlSeconds();
  }

  /**
   * Whether the renewal of {@code id} just made waits for a checkpoint that clears the lease: the
   * next {@link #tick} proposes it, and the keep-alive may be acknowledged only once it applied.
   */
  public boolean renewalAwaitsClear(long id) {
    return renewed.contains(id);
  }

  /**
   * etcd's LeaseTimeToLive on the leader: the remaining seconds (floored; 0 once expired while its
   * revoke is pending), the granted TTL and, if asked, the attached keys; TTL -1 if unknown.
   */
  public LeaseTimeToLive timeToLive(long id, boolean withKeys, long nowMillis) {
    Assert.that(!stopped, "time-to-live on a stopped lease keeper");
    advance(nowMillis);
    Deadline d = byId.get(id);
    var info = table.lease(id);
    if (d == null || info.isEmpty()) {
      return new LeaseTimeToLive(id, -1, 0, List.of());
    }
    long remainingMillis = isExpired(d) ? 0 : Math.max(0, d.atMillis - this.nowMillis);
    return new LeaseTimeToLive(
        id,
        remainingMillis / 1000,
        info.get().grantedTtlSeconds(),
        withKeys ? table.keys(id) : List.of());
  }

  /** Milliseconds until {@code id} expires (0 once expired), or -1 if unknown. For tests/status. */
  public long remainingMillis(long id) {
    Long notStarted = starting.get(id);
    if (notStarted != null) {
      return notStarted;
    }
    Deadline d = byId.get(id);
    if (d == null) {
      return -1;
    }
    return isExpired(d) ? 0 : Math.max(0, d.atMillis - nowMillis);
  }

  /** Reads the clock: time never goes back, and leases granted since the last reading start. */
  private void advance(long nowMillis) {
    this.nowMillis = Math.max(this.nowMillis, nowMillis);
    for (var e : starting.entrySet()) {
      track(e.getKey(), this.nowMillis + e.getValue());
    }
    starting.clear();
  }

  private boolean isExpired(Deadline d) {
    return d.revokeProposedAtMillis != NEVER || d.atMillis <= nowMillis;
  }

  // ---------------------------------------------------------------------------------------------
  // LeaseObserver: follows the table as commands apply

  @Override
  public void granted(long id, long ttlSeconds) {
    starting.put(id, ttlSeconds * 1000);
  }

  @Override
  public void revoked(long id) {
    Deadline d = byId.remove(id);
    if (d != null) {
      queue.remove(d);
    }
    renewed.remove(id);
    starting.remove(id);
    checkpointed.remove(id);
    unapplied.remove(id);
  }

  @Override
  public void checkpointApplied(long id, long remainingMillis) {
    unapplied.computeIfPresent(id, (k, n) -> n > 1 ? n - 1 : null);
  }

  @Override
  public void reset() {
    TreeMap<Long, Deadline> old = new TreeMap<>(byId);
    TreeMap<Long, Long> oldStarting = new TreeMap<>(starting);
    byId.clear();
    queue.clear();
    renewed.clear();
    starting.clear();
    for (LeaseTable.LeaseInfo l : table.all()) {
      Deadline kept = old.get(l.id());
      if (kept != null) {
        byId.put(l.id(), kept);
        queue.add(kept);
      } else {
        starting.put(l.id(), oldStarting.getOrDefault(l.id(), remainingOf(l)));
      }
    }
  }

  private void trackAll() {
    for (LeaseTable.LeaseInfo l : table.all()) {
      track(l.id(), nowMillis + remainingOf(l) + config.leaderGraceMillis());
    }
  }

  private static long remainingOf(LeaseTable.LeaseInfo l) {
    return l.checkpointedRemainingMillis() > 0
        ? l.checkpointedRemainingMillis()
        : l.grantedTtlSeconds() * 1000;
  }

  private void track(long id, long atMillis) {
    Deadline d = new Deadline(id, atMillis);
    Deadline previous = byId.put(id, d);
    if (previous != null) {
      queue.remove(previous);
    }
    queue.add(d);
  }
}
