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
import io.synod.server.StartupException;
import io.synod.server.SynodServer;
import java.util.List;
import java.util.function.Consumer;

/**
 * The etcd v3 API of a member: KV, Watch, Lease, Maintenance.Status, Lock and Election over gRPC
 * (with etcd's {@code hasleader} handling) and the JSON gateway under {@code /v3/} and {@code
 * /v3beta/}, on synod-kv's state machine. Cluster, the rest of Maintenance and Auth come later and
 * plug in the same way: another service on the same {@link EtcdEdge}.
 *
 * <pre>
 *   KvReplica replica = EtcdApi.replica(cfg);
 *   SynodServer.start(cfg, options, replica::stateMachine, replica, EtcdApi.services(replica,
 *       WriteQuota.UNLIMITED), onFatal);
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

  /** The client-port services of the etcd API on {@code replica}. */
  public static List<ClientApi> services(KvReplica replica, WriteQuota quota) {
    return List.of(
        (ctx, registry) -> {
          EtcdEdge edge = new EtcdEdge(ctx, replica, quota);
          var requireLeader = Grpc.requireLeader(ctx.runner());
          KvService kv = new KvService(edge);
          LeaseService lease = new LeaseService(edge);
          registry.grpc(
              ServerInterceptors.intercept(
                  io.etcd.jetcd.api.KVGrpc.bindService(kv), requireLeader));
          registry.grpc(
              ServerInterceptors.intercept(
                  io.etcd.jetcd.api.WatchGrpc.bindService(new WatchService(edge)), requireLeader));
          registry.grpc(ServerInterceptors.intercept(lease.definition(), requireLeader));
          MaintenanceService maintenance = new MaintenanceService(edge);
          registry.grpc(
              ServerInterceptors.intercept(
                  io.etcd.jetcd.api.MaintenanceGrpc.bindService(maintenance), requireLeader));
          lease.registerForwards(registry);
          JsonGateway gateway = new JsonGateway(edge, kv, lease, maintenance);
          ConcurrencyRecipes recipes = new ConcurrencyRecipes(edge);
          LockService lock = new LockService(recipes);
          ElectionService election = new ElectionService(recipes);
          registry.grpc(
              ServerInterceptors.intercept(
                  io.etcd.jetcd.api.lock.LockGrpc.bindService(lock), requireLeader));
          registry.grpc(
              ServerInterceptors.intercept(
                  io.etcd.jetcd.api.ElectionGrpc.bindService(election), requireLeader));
          RecipeGateway.register(gateway, lock, election);
          registry.http().prefix("/v3/", gateway).prefix("/v3beta/", gateway);
        });
  }

  /** Starts a member serving the etcd API (what {@code bin/synod} runs). */
  public static SynodServer start(
      ServerConfig cfg, SynodServer.Options options, Consumer<Throwable> onFatal)
      throws StartupException {
    KvReplica replica = replica(cfg);
    return SynodServer.start(
        cfg,
        options,
        replica::stateMachine,
        replica,
        services(replica, WriteQuota.UNLIMITED),
        onFatal);
  }
}
