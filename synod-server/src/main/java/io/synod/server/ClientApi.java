package io.synod.server;

import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.synod.server.client.HttpRouter;
import io.synod.server.peer.ForwardHandler;

/**
 * The place where the etcd API plugs into the client port. A later step adds one {@code ClientApi}
 * per etcd service group: KV, Watch and Lease first, then Cluster, Maintenance, Auth, Lock and
 * Election (gRPC services from io.etcd:jetcd-grpc's stubs, converted to synod-kv records at the
 * edge), and the {@code /v3/...} JSON gateway as an HTTP prefix endpoint:
 *
 * <pre>
 *   ClientApi etcdKv = (ctx, r) -&gt; r.grpc(new KvService(ctx).bindService());
 *   ClientApi gateway = (ctx, r) -&gt; r.http().prefix("/v3/", new JsonGateway(ctx));
 *   SynodServer.start(cfg, options, KvStateMachine::new, List.of(etcdKv, gateway), onFatal);
 * </pre>
 *
 * {@code grpc.health.v1.Health}, {@code /version} and {@code /health} are always there.
 */
@FunctionalInterface
public interface ClientApi {
  /** Adds this API's services for the member described by {@code context}. */
  void register(ServerContext context, Registry registry);

  /** Collects gRPC services and HTTP endpoints before the client port starts. */
  interface Registry {
    void grpc(ServerServiceDefinition service);

    default void grpc(BindableService service) {
      grpc(service.bindService());
    }

    /** The HTTP/1.1 routes of the client port. */
    HttpRouter http();

    /**
     * Serves forward calls of {@code kind} (a {@link io.synod.server.node.ForwardKind}) that other
     * members send this one, e.g. lease keep-alives for the leader.
     */
    void forward(int kind, ForwardHandler handler);
  }
}
