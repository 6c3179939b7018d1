package io.synod.server.etcd;

import com.google.protobuf.DynamicMessage;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseRevokeResponse;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveResponse;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.synod.common.Bytes;
import io.synod.kv.KvCommand;
import io.synod.kv.KvError;
import io.synod.kv.KvResponse;
import io.synod.kv.LeaseTimeToLive;
import io.synod.server.ClientApi;
import io.synod.server.node.ForwardKind;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * etcd's {@code etcdserverpb.Lease} (etcd-api.md §4). Grant and Revoke go through the log;
 * KeepAlive and TimeToLive are answered by the leader's {@code LeaseKeeper} (a follower forwards
 * them, {@link ForwardKind#LEASE_KEEPALIVE} and {@link ForwardKind#LEASE_TIME_TO_LIVE}); Leases
 * lists the local lease table. An unknown or expired lease is not an error for KeepAlive (TTL 0) or
 * TimeToLive (TTL -1). {@code LeaseLeases} is missing from jetcd's stubs and is served from {@link
 * EtcdSchema}'s descriptors. Safe from any thread.
 */
final class LeaseService implements LeaseGrpc.AsyncService {
  /** Keep-alive requests of one stream waiting for their answers; more fail the stream. */
  static final int KEEPALIVES_PENDING_MAX = 1024;

  static final MethodDescriptor<DynamicMessage, DynamicMessage> LEASE_LEASES =
      MethodDescriptor.<DynamicMessage, DynamicMessage>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("etcdserverpb.Lease/LeaseLeases")
          .setRequestMarshaller(
              ProtoUtils.marshaller(
                  DynamicMessage.getDefaultInstance(EtcdSchema.LEASE_LEASES_REQUEST)))
          .setResponseMarshaller(
              ProtoUtils.marshaller(
                  DynamicMessage.getDefaultInstance(EtcdSchema.LEASE_LEASES_RESPONSE)))
          .build();

  private final EtcdEdge edge;

  LeaseService(EtcdEdge edge) {
    this.edge = edge;
  }

  /** The gRPC service: jetcd's four methods plus LeaseLeases. */
  ServerServiceDefinition definition() {
    ServerServiceDefinition generated = LeaseGrpc.bindService(this);
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder("etcdserverpb.Lease");
    generated.getMethods().forEach(b::addMethod);
    b.addMethod(
        LEASE_LEASES,
        ServerCalls.asyncUnaryCall(
            (DynamicMessage request, StreamObserver<DynamicMessage> out) ->
                Grpc.reply(this::leases, out)));
    return b.build();
  }

  /** Serves the leader's side of forwarded keep-alives and time-to-live queries. */
  void registerForwards(ClientApi.Registry registry) {
    registry.forward(
        ForwardKind.LEASE_KEEPALIVE,
        (group, payload) -> {
          long id = LeaseForwards.keepAliveId(payload);
          return edge.onForwarded(
              loop -> edge.replica.keepAlive(loop, id), LeaseForwards::keepAliveReply);
        });
    registry.forward(
        ForwardKind.LEASE_TIME_TO_LIVE,
        (group, payload) -> {
          long id = LeaseForwards.timeToLiveId(payload);
          boolean keys = LeaseForwards.timeToLiveKeys(payload);
          return edge.onForwarded(
              loop -> edge.replica.timeToLive(loop, id, keys), LeaseForwards::timeToLiveReply);
        });
  }

  CompletableFuture<LeaseGrantResponse> grant(LeaseGrantRequest request) {
    return edge.write(new KvCommand.LeaseGrant(request.getTTL(), request.getID()))
        .thenApply(
            resp -> {
              KvResponse.LeaseGrant g = (KvResponse.LeaseGrant) resp;
              return LeaseGrantResponse.newBuilder()
                  .setHeader(edge.header(g.revision()))
                  .setID(g.id())
                  .setTTL(g.ttlSeconds())
                  .build();
            });
  }

  CompletableFuture<LeaseRevokeResponse> revoke(LeaseRevokeRequest request) {
    return edge.write(new KvCommand.LeaseRevoke(request.getID()))
        .thenApply(
            resp ->
                LeaseRevokeResponse.newBuilder()
                    .setHeader(edge.header(((KvResponse.LeaseRevoke) resp).revision()))
                    .build());
  }

  CompletableFuture<LeaseKeepAliveResponse> keepAlive(LeaseKeepAliveRequest request) {
    long id = request.getID();
    return edge.leaderCall(
            loop -> edge.replica.keepAlive(loop, id),
            ForwardKind.LEASE_KEEPALIVE,
            LeaseForwards.keepAliveRequest(id),
            LeaseForwards::keepAliveAnswer)
        .thenApply(
            ttl ->
                LeaseKeepAliveResponse.newBuilder()
                    .setHeader(edge.header())
                    .setID(id)
                    .setTTL(ttl)
                    .build());
  }

  CompletableFuture<LeaseTimeToLiveResponse> timeToLive(LeaseTimeToLiveRequest request) {
    long id = request.getID();
    boolean keys = request.getKeys();
    return edge.leaderCall(
            loop -> edge.replica.timeToLive(loop, id, keys),
            ForwardKind.LEASE_TIME_TO_LIVE,
            LeaseForwards.timeToLiveRequest(id, keys),
            LeaseForwards::timeToLiveAnswer)
        .thenApply(
            (LeaseTimeToLive t) -> {
              LeaseTimeToLiveResponse.Builder b =
                  LeaseTimeToLiveResponse.newBuilder()
                      .setHeader(edge.header())
                      .setID(id)
                      .setTTL(t.ttlSeconds())
                      .setGrantedTTL(t.grantedTtlSeconds());
              for (Bytes k : t.keys()) {
                b.addKeys(EtcdProtos.bytes(k));
              }
              return b.build();
            });
  }

  /** LeaseLeases: every lease of the local table, by id. */
  CompletableFuture<DynamicMessage> leases() {
    return edge.read(true, sm -> sm.leases().ids())
        .thenApply(
            (List<Long> ids) -> {
              DynamicMessage.Builder b =
                  DynamicMessage.newBuilder(EtcdSchema.LEASE_LEASES_RESPONSE);
              var fields = EtcdSchema.LEASE_LEASES_RESPONSE;
              b.setField(fields.findFieldByName("header"), EtcdSchema.patched(edge.header()));
              for (long id : ids) {
                b.addRepeatedField(
                    fields.findFieldByName("leases"),
                    DynamicMessage.newBuilder(EtcdSchema.LEASE_STATUS)
                        .setField(EtcdSchema.LEASE_STATUS.findFieldByName("ID"), id)
                        .build());
              }
              return b.build();
            });
  }

  // ---------------------------------------------------------------------------------------------
  // gRPC

  @Override
  public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> out) {
    Grpc.reply(() -> grant(request), out);
  }

  @Override
  public void leaseRevoke(LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> out) {
    Grpc.reply(() -> revoke(request), out);
  }

  @Override
  public void leaseTimeToLive(
      LeaseTimeToLiveRequest request, StreamObserver<LeaseTimeToLiveResponse> out) {
    Grpc.reply(() -> timeToLive(request), out);
  }

  @Override
  public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(
      StreamObserver<LeaseKeepAliveResponse> out) {
    KeepAliveStream s =
        new KeepAliveStream(
            out::onNext, status -> out.onError(status.asRuntimeException()), out::onCompleted);
    return new StreamObserver<>() {
      @Override
      public void onNext(LeaseKeepAliveRequest request) {
        s.onRequest(request);
      }

      @Override
      public void onError(Throwable t) {
        s.cancel();
      }

      @Override
      public void onCompleted() {
        s.onHalfClose();
      }
    };
  }

  /**
   * One keep-alive stream: answers in request order (each request waits for the one before), ends
   * when the client half-closes and every answer went out, and fails on the first error.
   */
  final class KeepAliveStream {
    private final Consumer<LeaseKeepAliveResponse> send;
    private final Consumer<Status> fail;
    private final Runnable complete;
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
    private int pending;
    private boolean done;

    KeepAliveStream(
        Consumer<LeaseKeepAliveResponse> send, Consumer<Status> fail, Runnable complete) {
      this.send = send;
      this.fail = fail;
      this.complete = complete;
    }

    synchronized void onRequest(LeaseKeepAliveRequest request) {
      if (done) {
        return;
      }
      if (++pending > KEEPALIVES_PENDING_MAX) {
        end(Status.RESOURCE_EXHAUSTED.withDescription(KvError.TOO_MANY_REQUESTS.message()));
        return;
      }
      tail =
          tail.thenCompose(v -> keepAlive(request))
              .handle(
                  (response, error) -> {
                    answered(response, error);
                    return null;
                  });
    }

    private synchronized void answered(LeaseKeepAliveResponse response, Throwable error) {
      pending--;
      if (done) {
        return;
      }
      if (error != null) {
        end(EtcdErrors.toStatus(error));
        return;
      }
      try {
        send.accept(response);
      } catch (RuntimeException gone) {
        done = true;
      }
    }

    synchronized void onHalfClose() {
      tail =
          tail.thenRun(
              () -> {
                synchronized (this) {
                  if (!done) {
                    done = true;
                    try {
                      complete.run();
                    } catch (RuntimeException gone) {
                      // the client went away
                    }
                  }
                }
              });
    }

    synchronized void cancel() {
      done = true;
    }

    private void end(Status status) {
      done = true;
      try {
        fail.accept(status);
      } catch (RuntimeException gone) {
        // the client went away
      }
    }
  }
}
