package io.synod.server.etcd;

import io.grpc.ServerInterceptors;
import io.synod.common.SystemClock;
import io.synod.kv.KvConfig;
import io.synod.kv.KvStateMachine;
import io.synod.kv.LeaseKeeperConfig;
import io.synod.kv.WatchConfig;
import io.synod.server.ClientApi;
import io.synod.server.GoDuration;
import io.synod.server.ServerConfig;
import io.synod.server.ServerContext;
import io.synod.server.StartupException;
import io.synod.server.SynodServer;
import io.synod.server.metrics.ServerMetrics;
import io.synod.server.node.LoopHook;
import java.util.List;
import java.util.function.Consumer;

/**
 * The etcd v3 API of a member: KV, Watch, Lease, Cluster, Maintenance, Lock and Election over gRPC
 * (with etcd's {@code hasleader} handling) and the JSON gateway under {@code /v3/} and {@code
 * /v3beta/}, on {@link EtcdStateMachine} (synod-kv's store and the replicated member table). Auth
 * plugs in the same way: another service on the same {@link EtcdEdge}.
 *
 * <pre>
 *   KvReplica replica = EtcdApi.replica(cfg);
 *   ClusterReplica cluster = new ClusterReplica(replica.stateMachine());
 *   SynodServer.start(cfg, options, cluster::stateMachine, hooks,
 *       EtcdApi.services(replica, cluster, EtcdApi.quota(cfg, cluster)), onFatal);
 * </pre>
 */
public final class EtcdApi {
  private EtcdApi() {}

  /**
   * The state machine and its loop-thread work for a member with {@code cfg}: the minimum lease TTL
   * is {@code ceil(1.5 × election timeout)} (it changes what apply does, so every member must share
   * it), fragments above {@code --max-request-bytes} + 512 KiB, auto compaction from its flags.
   */
  public static KvReplica replica(ServerConfig cfg) {
    WatchConfig w = WatchConfig.defaults();
    KvConfig kv =
        new KvConfig(
            KvConfig.minLeaseTtlSeconds(cfg.electionMillis()),
            new WatchConfig(
                w.catchUpEventsMax(),
                w.pumpChangesMax(),
                cfg.grpcMaxReceiveBytes(),
                w.progressIntervalMillis()));
    LeaseKeeperConfig d = LeaseKeeperConfig.defaults();
    // etcd extends every lease by the election timeout when a leader starts, so keep-alives lost
    // to the election do not expire leases at once.
    LeaseKeeperConfig leases =
        new LeaseKeeperConfig(
            d.checkpointIntervalMillis(),
            d.checkpointBatchMax(),
            d.revokeRetryMillis(),
            d.revokesPerTickMax(),
            cfg.electionMillis());
    AutoCompactor.Policy compaction =
        AutoCompactor.Policy.of(
            cfg.autoCompactionMode(),
            cfg.autoCompactionRetention(),
            r -> GoDuration.parseMillis("--auto-compaction-retention", r));
    return new KvReplica(
        new KvStateMachine(kv),
        SystemClock.INSTANCE,
        new KvReplica.Settings(cfg.electionMillis(), leases, compaction));
  }

  /**
   * The client-port services of the etcd API of a member whose replica loop applies {@code
   * cluster}'s state machine (which holds {@code replica}'s): KV, Watch, Lease, Cluster and
   * Maintenance over gRPC and the gateway, plus the membership and quota work of {@link
   * ClusterReplica}.
   */
  public static List<ClientApi> services(
      KvReplica replica, ClusterReplica cluster, WriteQuota quota) {
    return List.of(
        (ctx, registry) -> {
          cluster.attach(ctx);
          registerMetrics(ctx, replica, cluster);
          EtcdEdge edge = new EtcdEdge(ctx, replica, quota);
          var requireLeader = Grpc.requireLeader(ctx.runner());
          var learners = new LearnerGuard(cluster::isLearner);
          KvService kv = new KvService(edge);
          LeaseService lease = new LeaseService(edge);
          registry.grpcNonBlocking(
              ServerInterceptors.intercept(
                  io.etcd.jetcd.api.KVGrpc.bindService(kv), requireLeader, learners));
          registry.grpcNonBlocking(
              ServerInterceptors.intercept(
                  io.etcd.jetcd.api.WatchGrpc.bindService(new WatchService(edge)),
                  requireLeader,
                  learners));
          registry.grpcNonBlocking(
              ServerInterceptors.intercept(lease.definition(), requireLeader, learners));
          MaintenanceService maintenance = new MaintenanceService(edge, cluster);
          registry.grpc(
              ServerInterceptors.intercept(
                  io.etcd.jetcd.api.MaintenanceGrpc.bindService(maintenance),
                  requireLeader,
                  learners));
          ClusterService members = new ClusterService(edge, cluster);
          registry.grpc(
              ServerInterceptors.intercept(members.definition(), requireLeader, learners));
          lease.registerForwards(registry);
          members.registerForwards(registry);
          JsonGateway gateway = new JsonGateway(edge, kv, lease, maintenance);
          AdminRoutes.register(gateway, members, maintenance);
          ConcurrencyRecipes recipes = new ConcurrencyRecipes(edge);
          LockService lock = new LockService(recipes);
          ElectionService election = new ElectionService(recipes);
          registry.grpcNonBlocking(
              ServerInterceptors.intercept(
                  io.etcd.jetcd.api.lock.LockGrpc.bindService(lock), requireLeader, learners));
          registry.grpcNonBlocking(
              ServerInterceptors.intercept(
                  io.etcd.jetcd.api.ElectionGrpc.bindService(election), requireLeader, learners));
          RecipeGateway.register(gateway, lock, election);
          registry.http().prefix("/v3/", gateway).prefix("/v3beta/", gateway);
        });
  }

  /** The store's metrics, from what the loop publishes (docs/design/server.md lists them). */
  private static void registerMetrics(
      ServerContext ctx, KvReplica replica, ClusterReplica cluster) {
    ServerMetrics m = ctx.metrics();
    cluster.stateMachine().timeApplies(m::appliedIn);
    java.nio.file.Path dataDir = ctx.config().dataDir();
    m.gauge(
        "etcd_mvcc_db_total_size_in_bytes",
        "Total size of the underlying database physically allocated in bytes (Synod: the data"
            + " directory, write-ahead log and snapshots).",
        () -> MaintenanceService.directoryBytes(dataDir));
    m.gauge(
        "etcd_mvcc_db_total_size_in_use_in_bytes",
        "Total size of the underlying database logically in use in bytes (as the quota counts it).",
        cluster::sizeBytes);
    m.gauge(
        "etcd_debugging_mvcc_current_revision",
        "The current revision of store.",
        replica::publishedRevision);
    m.gauge(
        "etcd_debugging_mvcc_compact_revision",
        "The revision of the last compaction in store.",
        replica::publishedCompactRevision);
    // etcd's keys_total and watcher_total are gauges; the client library reserves _total for
    // counters, so these two are typed counter (their values may go down).
    m.counter(
        "etcd_debugging_mvcc_keys",
        "Total number of keys (live, or deleted and not yet compacted away).",
        replica::publishedKeys);
    m.counter(
        "etcd_debugging_mvcc_watcher", "Total number of watchers.", replica::publishedWatchers);
    m.gauge(
        "synod_lease_active",
        "The number of leases granted and not yet revoked.",
        replica::publishedLeases);
  }

  /**
   * etcd's {@code --quota-backend-bytes} for {@code cluster}: 0 means etcd's default of 2 GiB, a
   * negative quota none at all.
   */
  public static WriteQuota quota(ServerConfig cfg, ClusterReplica cluster) {
    if (cfg.quotaBackendBytes() < 0) {
      return WriteQuota.UNLIMITED;
    }
    return new SpaceQuota(cfg.effectiveQuotaBytes(), cluster);
  }

  /** Starts a member serving the etcd API (what {@code bin/synod} runs). */
  public static SynodServer start(
      ServerConfig cfg, SynodServer.Options options, Consumer<Throwable> onFatal)
      throws StartupException {
    KvReplica replica = replica(cfg);
    ClusterReplica cluster = new ClusterReplica(replica.stateMachine());
    LoopHook hooks =
        (loop, nowNanos) -> replica.afterTurn(loop, nowNanos) | cluster.afterTurn(loop, nowNanos);
    return SynodServer.start(
        cfg,
        options,
        cluster::stateMachine,
        hooks,
        services(replica, cluster, quota(cfg, cluster)),
        onFatal);
  }
}
