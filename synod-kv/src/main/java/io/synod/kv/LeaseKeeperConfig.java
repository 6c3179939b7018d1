package io.synod.kv;

/**
 * Settings of the leader's {@link LeaseKeeper}. {@code checkpointIntervalMillis}: how often the
 * remaining TTLs are proposed as a {@code LeaseCheckpoint}; {@code checkpointBatchMax}: leases per
 * checkpoint command (etcd: 1000); {@code revokeRetryMillis}: when to propose the revoke of an
 * expired lease again if it has not been applied (etcd: 3 s); {@code revokesPerTickMax}: revokes
 * proposed per tick at most (etcd limits them to 1000/s); {@code leaderGraceMillis}: added to every
 * deadline when a node becomes leader, so keep-alives lost during the election do not expire leases
 * at once (etcd extends by the election timeout).
 */
public record LeaseKeeperConfig(
    long checkpointIntervalMillis,
    int checkpointBatchMax,
    long revokeRetryMillis,
    int revokesPerTickMax,
    long leaderGraceMillis) {
  public LeaseKeeperConfig {
    if (checkpointIntervalMillis < 1
        || checkpointBatchMax < 1
        || revokeRetryMillis < 1
        || revokesPerTickMax < 1
        || leaderGraceMillis < 0) {
      throw new IllegalArgumentException("lease keeper settings out of range");
    }
  }

  public static LeaseKeeperConfig defaults() {
    return new LeaseKeeperConfig(5_000, 1000, 3_000, 500, 0);
  }
}
