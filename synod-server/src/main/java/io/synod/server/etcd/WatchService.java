package io.synod.server.etcd;

import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * etcd's {@code etcdserverpb.Watch/Watch}: one {@link WatchSession} per bidirectional stream, sent
 * through gRPC's flow control ({@code isReady}/{@code onReady}). A client that half-closes keeps
 * receiving (etcd keeps the stream open until the client cancels it). Followers serve watches from
 * their own applied state.
 */
final class WatchService implements WatchGrpc.AsyncService {
  private final EtcdEdge edge;

  WatchService(EtcdEdge edge) {
    this.edge = edge;
  }

  @Override
  public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
    ServerCallStreamObserver<WatchResponse> call =
        (ServerCallStreamObserver<WatchResponse>) responses;
    WatchSession session =
        new WatchSession(
            edge,
            new WatchSession.Outbound() {
              @Override
              public boolean isReady() {
                return call.isReady() && !call.isCancelled();
              }

              @Override
              public void send(WatchResponse response) {
                call.onNext(response);
              }

              @Override
              public void fail(Status status) {
                call.onError(status.asRuntimeException());
              }
            },
            Grpc.requiresLeader());
    call.setOnReadyHandler(session::drain);
    call.setOnCancelHandler(session::close);
    session.open();
    return new StreamObserver<>() {
      @Override
      public void onNext(WatchRequest request) {
        session.onRequest(request);
      }

      @Override
      public void onError(Throwable t) {
        session.close();
      }

      @Override
      public void onCompleted() {
        // etcd: the client's half-close ends nothing; watchers keep reporting.
      }
    };
  }
}
