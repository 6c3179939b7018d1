package io.synod.server.etcd;

import io.etcd.jetcd.api.WatchCancelRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchProgressRequest;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A raw watch stream for tests: send requests, take responses one by one (bounded waits). */
final class WatchClient implements AutoCloseable {
  private final BlockingQueue<WatchResponse> responses = new LinkedBlockingQueue<>();
  private final StreamObserver<WatchRequest> requests;
  volatile Status ended;

  WatchClient(Channel channel, boolean requireLeader) {
    WatchGrpc.WatchStub stub = WatchGrpc.newStub(channel);
    if (requireLeader) {
      Metadata md = new Metadata();
      md.put(Grpc.HAS_LEADER, "true");
      stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
    }
    requests =
        stub.watch(
            new StreamObserver<>() {
              @Override
              public void onNext(WatchResponse r) {
                responses.add(r);
              }

              @Override
              public void onError(Throwable t) {
                ended = Status.fromThrowable(t);
              }

              @Override
              public void onCompleted() {
                ended = Status.OK;
              }
            });
  }

  void create(WatchCreateRequest.Builder c) {
    requests.onNext(WatchRequest.newBuilder().setCreateRequest(c).build());
  }

  void cancel(long id) {
    requests.onNext(
        WatchRequest.newBuilder()
            .setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(id))
            .build());
  }

  void progress() {
    requests.onNext(
        WatchRequest.newBuilder()
            .setProgressRequest(WatchProgressRequest.getDefaultInstance())
            .build());
  }

  WatchResponse next() throws InterruptedException {
    WatchResponse r = responses.poll(20, TimeUnit.SECONDS);
    if (r == null) {
      throw new AssertionError("no watch response within 20 s (stream ended: " + ended + ")");
    }
    return r;
  }

  /** Nothing arrives for a short while (used only to check that nothing more is sent). */
  WatchResponse poll(long millis) throws InterruptedException {
    return responses.poll(millis, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    requests.onError(Status.CANCELLED.asRuntimeException());
  }
}
