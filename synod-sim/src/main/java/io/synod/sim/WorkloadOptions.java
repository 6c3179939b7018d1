package io.synod.sim;

import io.synod.kv.KvConfig;
import io.synod.kv.LeaseKeeperConfig;
import io.synod.kv.WatchConfig;
import java.util.SplittableRandom;

/**
 * The key-value workload of one run, drawn from its own split of the seed so that adding a knob
 * here leaves {@link SimOptions} (cluster, faults) unchanged. Swarm-style: each seed turns some
 * features off altogether and sets the others at its own rates.
 *
 * <p>Ratios of the client operation mix: a read is a single-key get, or with {@code rangeRatio} a
 * multi-key range, and with {@code serializableRatio} served locally (serializable); a write is a
 * put, a delete (single key or range, {@code deleteRatio}), a multi-key Txn ({@code
 * multiTxnRatio}); compare-and-set Txns come from {@link SimOptions#casRatio()}, half of them by
 * mod revision. {@code leaseRatio} of the operations are lease operations (grant, put a key under a
 * lease, revoke, read the leased keys).
 */
record WorkloadOptions(
    double rangeRatio,
    double serializableRatio,
    double deleteRatio,
    double multiTxnRatio,
    double leaseRatio,
    long leaseTtlSecondsMax,
    double keepAliveFraction,
    double lapseRate,
    double leaseRevokeRatio,
    LeaseKeeperConfig keeper,
    int watchers,
    int watchesPerStreamMax,
    double refuseRate,
    int sinkBufferEvents,
    long reconnectMeanMicros,
    long progressRequestMeanMicros,
    double pastStartRate,
    double prevKvRate,
    double filterRate,
    double fragmentRate,
    double progressNotifyRate,
    WatchConfig watch,
    long compactMeanMicros,
    long compactRetainRevisions,
    long minLeaseTtlSeconds) {

  static WorkloadOptions draw(SplittableRandom r, SimOptions o) {
    long electionMillis = (long) o.electionTicks() * o.tickMicros() / 1000;
    long minTtl = KvConfig.minLeaseTtlSeconds(electionMillis);
    boolean leases = r.nextDouble() < 0.6;
    boolean watches = r.nextDouble() < 0.7;
    LeaseKeeperConfig keeper =
        new LeaseKeeperConfig(
            50 + r.nextInt(3000),
            r.nextBoolean() ? 1 + r.nextInt(8) : 1000,
            50 + r.nextInt(3000),
            r.nextBoolean() ? 1 + r.nextInt(4) : 500,
            r.nextBoolean() ? 0 : r.nextInt(1000));
    WatchConfig watch =
        new WatchConfig(
            r.nextBoolean() ? 1 + r.nextInt(64) : 1000,
            r.nextBoolean() ? 1 + r.nextInt(256) : 10_000,
            64 + r.nextInt(2048),
            100 + r.nextInt(2000));
    return new WorkloadOptions(
        r.nextDouble() * 0.5,
        r.nextDouble() < 0.5 ? r.nextDouble() * 0.3 : 0,
        r.nextDouble() * 0.2,
        r.nextDouble() < 0.6 ? r.nextDouble() * 0.2 : 0,
        leases ? 0.05 + r.nextDouble() * 0.25 : 0,
        minTtl + r.nextInt(3),
        0.15 + r.nextDouble() * 0.3,
        r.nextDouble() < 0.5 ? r.nextDouble() * 0.1 : 0,
        r.nextDouble() * 0.3,
        keeper,
        watches ? 1 + r.nextInt(3) : 0,
        1 + r.nextInt(3),
        r.nextDouble() < 0.5 ? r.nextDouble() * 0.5 : 0,
        1 + r.nextInt(64),
        r.nextDouble() < 0.7 ? 200_000 + r.nextLong(3_000_000) : 0,
        100_000 + r.nextLong(1_000_000),
        r.nextDouble() * 0.5,
        r.nextDouble(),
        r.nextDouble() * 0.3,
        r.nextDouble() * 0.5,
        r.nextDouble() * 0.5,
        watch,
        r.nextDouble() < 0.7 ? 100_000 + r.nextLong(2_000_000) : 0,
        r.nextInt(64),
        minTtl);
  }

  KvConfig kvConfig() {
    return new KvConfig(minLeaseTtlSeconds, watch);
  }

  /**
   * Extra time the liveness phase may take when leases are on: every lease the clients let go must
   * be revoked, up to a full TTL (plus the leader's grace) on the fastest clock after a new leader,
   * and revokes are retried.
   */
  long livenessExtraMicros() {
    if (leaseRatio == 0) {
      return 0;
    }
    return 2 * (leaseTtlSecondsMax * 1_000_000 + keeper.leaderGraceMillis() * 1000)
        + 3 * keeper.revokeRetryMillis() * 1000
        + 2 * keeper.checkpointIntervalMillis() * 1000;
  }

  String summary() {
    return String.format(
        java.util.Locale.ROOT,
        "range=%.2f serializable=%.2f delete=%.2f mtxn=%.2f lease=%.2f ttl<=%ds lapse=%.2f"
            + " checkpoint=%dms retry=%dms grace=%dms watchers=%d refuse=%.2f buffer=%d"
            + " reconnect=%dus catchup=%d pump=%d fragment=%dB compact=%dus/%d",
        rangeRatio,
        serializableRatio,
        deleteRatio,
        multiTxnRatio,
        leaseRatio,
        leaseTtlSecondsMax,
        lapseRate,
        keeper.checkpointIntervalMillis(),
        keeper.revokeRetryMillis(),
        keeper.leaderGraceMillis(),
        watchers,
        refuseRate,
        sinkBufferEvents,
        reconnectMeanMicros,
        watch.catchUpEventsMax(),
        watch.pumpChangesMax(),
        watch.fragmentBytesMax(),
        compactMeanMicros,
        compactRetainRevisions);
  }
}
