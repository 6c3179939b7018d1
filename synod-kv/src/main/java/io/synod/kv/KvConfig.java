package io.synod.kv;

/**
 * Settings of the {@link KvStateMachine}. {@code minLeaseTtlSeconds} changes what apply does, so it
 * must be the same on every replica (etcd: {@code ceil(1.5 × election timeout)}, see {@link
 * #minLeaseTtlSeconds(long)}); the watch settings are local.
 */
public record KvConfig(long minLeaseTtlSeconds, WatchConfig watch) {
  public KvConfig {
    if (minLeaseTtlSeconds < 1) {
      throw new IllegalArgumentException("minimum lease TTL must be at least 1 s");
    }
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
