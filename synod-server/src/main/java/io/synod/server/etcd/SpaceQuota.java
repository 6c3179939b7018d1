package io.synod.server.etcd;

import io.synod.kv.KvCommand;
import io.synod.kv.KvError;
import io.synod.kv.RequestOp;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * etcd's {@code --quota-backend-bytes} at the API edge: a write that takes space (a put, a lease
 * grant, a txn that puts) is refused with {@code ResourceExhausted "etcdserver: mvcc: database
 * space exceeded"} when the store's size plus the write's cost would pass the quota, and this
 * member then raises the NOSPACE alarm (through the log, so every member refuses such writes until
 * the alarm is disarmed). While the alarm is raised the same writes are refused here without going
 * to the log; deletes and compactions always pass, so space can be freed.
 *
 * <p>The size and the alarm come from the replica loop ({@link ClusterReplica} publishes them after
 * its turns), so they are slightly stale; apply refuses under the alarm in any case. Safe from any
 * thread.
 */
final class SpaceQuota implements WriteQuota {
  /** etcd's cost of a key-value beyond its key and value ({@code kvOverhead}). */
  static final int PUT_OVERHEAD_BYTES = 256;

  /** etcd's cost of a lease ({@code leaseOverhead}). */
  static final int LEASE_OVERHEAD_BYTES = 64;

  private final long quotaBytes;
  private final ClusterReplica cluster;
  private final AtomicBoolean raising = new AtomicBoolean();

  SpaceQuota(long quotaBytes, ClusterReplica cluster) {
    this.quotaBytes = quotaBytes;
    this.cluster = cluster;
  }

  long quotaBytes() {
    return quotaBytes;
  }

  @Override
  public Optional<KvError> check(KvCommand command) {
    long cost = costBytes(command);
    if (cost == 0) {
      return Optional.empty();
    }
    if (cluster.noSpaceRaised()) {
      return Optional.of(KvError.NO_SPACE);
    }
    if (cluster.sizeBytes() + cost <= quotaBytes) {
      return Optional.empty();
    }
    if (raising.compareAndSet(false, true)) {
      cluster.raiseNoSpace().whenComplete((r, e) -> raising.set(false));
    }
    return Optional.of(KvError.NO_SPACE);
  }

  /**
   * etcd's quota cost of a write: a put costs its key, its value and {@link #PUT_OVERHEAD_BYTES}; a
   * lease grant {@link #LEASE_OVERHEAD_BYTES}; a txn the dearer of its two branches, counting only
   * their puts; everything else nothing.
   */
  static long costBytes(KvCommand command) {
    if (command instanceof KvCommand.Put p) {
      return put(p);
    } else if (command instanceof KvCommand.LeaseGrant) {
      return LEASE_OVERHEAD_BYTES;
    } else if (command instanceof KvCommand.Txn t) {
      return Math.max(branch(t.success()), branch(t.failure()));
    }
    return 0;
  }

  private static long branch(List<RequestOp> ops) {
    long cost = 0;
    for (RequestOp op : ops) {
      if (op instanceof RequestOp.Put p) {
        cost += put(p.request());
      }
    }
    return cost;
  }

  private static long put(KvCommand.Put p) {
    return PUT_OVERHEAD_BYTES + p.key().size() + p.value().size();
  }
}
