package io.synod.server.etcd;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.synod.kv.KvError;
import io.synod.server.node.NodeRunner;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** gRPC plumbing shared by the etcd services. Stateless. */
final class Grpc {
  /** etcd's {@code rpctypes.MetadataRequireLeaderKey}: clients send it on watches and leases. */
  static final Metadata.Key<String> HAS_LEADER =
      Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);

  /** Whether the current call asked for a leader ({@code hasleader: true}). */
  static final Context.Key<Boolean> REQUIRE_LEADER = Context.key("synod-require-leader");

  private Grpc() {}

  /** Answers a unary call with the future's value, or its failure as etcd's status. */
  static <T> void reply(Supplier<CompletableFuture<T>> call, StreamObserver<T> out) {
    CompletableFuture<T> f;
    try {
      f = call.get();
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    f.whenComplete(
        (value, error) -> {
          try {
            if (error == null) {
              out.onNext(value);
              out.onCompleted();
            } else {
              out.onError(EtcdErrors.toStatus(error).asRuntimeException());
            }
          } catch (RuntimeException cancelled) {
            // The client went away meanwhile; nothing to tell it.
          }
        });
  }

  /**
   * etcd's require-leader interceptors: a call carrying {@code hasleader: true} on a member that
   * knows no leader fails at once with {@code Unavailable "etcdserver: no leader"}; otherwise the
   * flag is put in the call's context, where streams find it (they are then ended if the leader is
   * lost, see {@link KvReplica}).
   */
  static ServerInterceptor requireLeader(NodeRunner runner) {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        boolean require = "true".equals(headers.get(HAS_LEADER));
        if (require && !runner.status().hasLeader()) {
          call.close(
              Status.UNAVAILABLE.withDescription(KvError.NO_LEADER.message()), new Metadata());
          return new ServerCall.Listener<>() {};
        }
        Context ctx = Context.current().withValue(REQUIRE_LEADER, require);
        return Contexts.interceptCall(ctx, call, headers, next);
      }
    };
  }

  static boolean requiresLeader() {
    return Boolean.TRUE.equals(REQUIRE_LEADER.get());
  }
}
