package io.synod.kv;

import java.util.EnumSet;
import java.util.Set;

/**
 * Settings of the {@link KvStateMachine}. {@code minLeaseTtlSeconds} changes what apply does, so it
 * must be the same on every replica (etcd: {@code ceil(1.5 × election timeout)}, see {@link
 * #minLeaseTtlSeconds(long)}); the watch settings are local. {@code plantedBugs}: known-wrong rules
 * for testing the simulator, empty in production.
 */
public record KvConfig(long minLeaseTtlSeconds, WatchConfig watch, Set<KvPlantedBug> plantedBugs) {
  public KvConfig {
    if (minLeaseTtlSeconds < 1) {
      throw new IllegalArgumentException("minimum lease TTL must be at least 1 s");
    }
    plantedBugs = plantedBugs.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(plantedBugs));
  }

  public KvConfig(long minLeaseTtlSeconds, WatchConfig watch) {
    this(minLeaseTtlSeconds, watch, Set.of());
  }

  public boolean has(KvPlantedBug bug) {
    return plantedBugs.contains(bug);
  }

  /** etcd's defaults: 1 s election timeout, so leases live at least 2 s. */
  public static KvConfig defaults() {
    return new KvConfig(minLeaseTtlSeconds(1000), WatchConfig.defaults());
  }

  /** etcd's minimum lease TTL: {@code ceil(1.5 × election timeout)} in whole seconds. */
  public static long minLeaseTtlSeconds(long electionTimeoutMillis) {
    return Math.max(1, (3 * electionTimeoutMillis + 1999) / 2000);
  }
}
