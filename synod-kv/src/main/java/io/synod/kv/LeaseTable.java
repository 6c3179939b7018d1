package io.synod.kv;

import io.synod.common.Assert;
import io.synod.common.Bytes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The replicated lease state: every lease's granted TTL, the remaining TTL the leader last
 * checkpointed, and the keys attached to it. Changed only by applying committed commands, so it is
 * the same on every replica. Deadlines are not here: they are the leader's business ({@link
 * LeaseKeeper}), and a lease ends only when a {@code LeaseRevoke} is applied.
 *
 * <p>A {@link LeaseObserver} (the leader's keeper) hears of grants, revokes and checkpoints as they
 * are applied.
 *
 * <p><b>Threads.</b> Confined to the replica loop's thread. Not thread-safe.
 */
public final class LeaseTable {
  /** etcd's MaxLeaseTTL: 9,000,000,000 seconds. */
  public static final long MAX_TTL_SECONDS = 9_000_000_000L;

  /** What a follower can say about a lease without the leader's deadlines. */
  public record LeaseInfo(long id, long grantedTtlSeconds, long checkpointedRemainingMillis) {}

  private static final class Lease {
    final long id;
    final long grantedTtlSeconds;
    long remainingMillis;
    final TreeSet<Bytes> keys = new TreeSet<>();

    Lease(long id, long grantedTtlSeconds) {
      this.id = id;
      this.grantedTtlSeconds = grantedTtlSeconds;
    }
  }

  private static final LeaseObserver NO_OBSERVER =
      new LeaseObserver() {
        @Override
        public void granted(long id, long ttlSeconds) {}

        @Override
        public void revoked(long id) {}

        @Override
        public void reset() {}
      };

  private final TreeMap<Long, Lease> leases = new TreeMap<>();
  private LeaseObserver observer = NO_OBSERVER;

  public boolean contains(long id) {
    return leases.containsKey(id);
  }

  public int size() {
    return leases.size();
  }

  /** Every lease id, ascending (etcd's LeaseLeases). */
  public List<Long> ids() {
    return new ArrayList<>(leases.keySet());
  }

  public Optional<LeaseInfo> lease(long id) {
    Lease l = leases.get(id);
    return l == null
        ? Optional.empty()
        : Optional.of(new LeaseInfo(l.id, l.grantedTtlSeconds, l.remainingMillis));
  }

  /** The keys attached to {@code id}, in key order (empty if the lease does not exist). */
  public List<Bytes> keys(long id) {
    Lease l = leases.get(id);
    return l == null ? List.of() : List.copyOf(l.keys);
  }

  /**
   * Registers the one observer (the leader's keeper); pass null to remove it. Called on the loop's
   * thread while it applies.
   */
  public void observe(LeaseObserver o) {
    observer = o == null ? NO_OBSERVER : o;
  }

  LeaseObserver observer() {
    return observer;
  }

  // ---------------------------------------------------------------------------------------------
  // Changes, made by the applier only

  void grant(long id, long ttlSeconds) {
    Assert.that(!leases.containsKey(id), "lease %d exists", id);
    leases.put(id, new Lease(id, ttlSeconds));
    observer.granted(id, ttlSeconds);
  }

  void revoke(long id) {
    Lease l = leases.remove(id);
    Assert.that(l != null && l.keys.isEmpty(), "revoking lease %d with keys", id);
    observer.revoked(id);
  }

  void checkpoint(long id, long remainingMillis) {
    Lease l = leases.get(id);
    if (l != null) {
      l.remainingMillis = Math.max(0, remainingMillis);
      observer.checkpointApplied(id, remainingMillis);
    }
  }

  void attach(long id, Bytes key) {
    Lease l = leases.get(id);
    Assert.that(l != null, "attach to missing lease %d", id);
    l.keys.add(key);
  }

  void detach(long id, Bytes key) {
    Lease l = leases.get(id);
    Assert.that(l != null && l.keys.remove(key), "key %s not attached to lease %d", key, id);
  }

  /** Replaces everything (restore); the observer is told to rebuild. */
  void clear() {
    leases.clear();
  }

  void restore(long id, long ttlSeconds, long remainingMillis) {
    Lease l = new Lease(id, ttlSeconds);
    l.remainingMillis = remainingMillis;
    leases.put(id, l);
  }

  /** Granted TTL and checkpoint of every lease, in id order (for images and hashes). */
  List<LeaseInfo> all() {
    List<LeaseInfo> out = new ArrayList<>(leases.size());
    for (Lease l : leases.values()) {
      out.add(new LeaseInfo(l.id, l.grantedTtlSeconds, l.remainingMillis));
    }
    return out;
  }
}
