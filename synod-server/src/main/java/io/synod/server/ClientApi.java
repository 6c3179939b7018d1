package io.synod.server;

import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.synod.server.client.HttpRouter;
import io.synod.server.peer.ForwardHandler;

/**
 * The place where the etcd API plugs into the client port: gRPC services (io.etcd:jetcd-grpc's
 * stubs, converted to synod-kv records at the edge), HTTP endpoints such as the {@code /v3/...}
 * JSON gateway, and handlers of forwarded calls. {@code io.synod.server.etcd.EtcdApi#services}
 * registers KV, Watch, Lease, Maintenance and the gateway this way; Cluster, Auth, Lock and
 * Election will plug in the same way:
 *
 * <pre>
 *   ClientApi api = (ctx, r) -&gt; {
 *     r.grpc(KVGrpc.bindService(new KvService(edge)));
 *     r.http().prefix("/v3/", gateway);
 *   };
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

    /**
     * Adds a service whose handlers never block (they only validate, hand work to the replica loop
     * and chain on its futures), so its calls run on the transport's threads: no hand-over to the
     * service pool, which costs a thread wake-up per request on a busy machine.
     */
    void grpcNonBlocking(ServerServiceDefinition service);

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
