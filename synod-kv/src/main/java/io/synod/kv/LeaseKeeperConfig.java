package io.synod.kv;

import java.util.EnumSet;
import java.util.Set;

/**
 * Settings of the leader's {@link LeaseKeeper}. {@code checkpointIntervalMillis}: how often the
 * remaining TTLs are proposed as a {@code LeaseCheckpoint}; {@code checkpointBatchMax}: leases per
 * checkpoint command (etcd: 1000); {@code revokeRetryMillis}: when to propose the revoke of an
 * expired lease again if it has not been applied (etcd: 3 s); {@code revokesPerTickMax}: revokes
 * proposed per tick at most (etcd limits them to 1000/s); {@code leaderGraceMillis}: added to every
 * deadline when a node becomes leader, so keep-alives lost during the election do not expire leases
 * at once (etcd extends by the election timeout); {@code plantedBugs}: known-wrong rules for
 * testing the simulator, empty in production.
 */
public record LeaseKeeperConfig(
    long checkpointIntervalMillis,
    int checkpointBatchMax,
    long revokeRetryMillis,
    int revokesPerTickMax,
    long leaderGraceMillis,
    Set<KvPlantedBug> plantedBugs) {
  public LeaseKeeperConfig(
      long checkpointIntervalMillis,
      int checkpointBatchMax,
      long revokeRetryMillis,
      int revokesPerTickMax,
      long leaderGraceMillis) {
    this(
        checkpointIntervalMillis,
        checkpointBatchMax,
        revokeRetryMillis,
        revokesPerTickMax,
        leaderGraceMillis,
        Set.of());
  }

  public LeaseKeeperConfig {
    plantedBugs = plantedBugs.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(plantedBugs));
    if (checkpointIntervalMillis < 1
        || checkpointBatchMax < 1
        || revokeRetryMillis < 1
        || revokesPerTickMax < 1
        || leaderGraceMillis < 0) {
      throw new IllegalArgumentException("lease keeper settings out of range");
    }
  }

  public boolean has(KvPlantedBug bug) {
    return plantedBugs.contains(bug);
  }

  /** These settings with {@code bugs} planted (testing the simulator only). */
  public LeaseKeeperConfig withPlantedBugs(Set<KvPlantedBug> bugs) {
    return new LeaseKeeperConfig(
        checkpointIntervalMillis,
        checkpointBatchMax,
        revokeRetryMillis,
        revokesPerTickMax,
        leaderGraceMillis,
        bugs);
  }

  public static LeaseKeeperConfig defaults() {
    return new LeaseKeeperConfig(5_000, 1000, 3_000, 500, 0);
  }
}
