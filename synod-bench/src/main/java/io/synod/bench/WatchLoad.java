package io.synod.bench;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * Watch latency: clients put random keys, each value starting with the put's start time
 * (System.nanoTime, this process's clock, 8 bytes big-endian); one watch stream per {@code
 * --keys-per-watcher} consecutive keys (at least one) records, for every event it receives, the
 * time since that start. The latency is put send to event receipt, which includes the put's commit.
 * The puts' own latency is kept apart ({@code put_*_us}, {@code put_ops}); {@code ops} counts
 * events.
 */
final class WatchLoad implements LoadWorkload {
  static final int STAMP_BYTES = 8;

  private final LoadSpec spec;
  private final EtcdChannels channels;
  private final KeySpace keys;
  private final LoadStats stats;
  private final List<Watcher> watchers = new ArrayList<>();

  WatchLoad(LoadSpec spec, EtcdChannels channels, KeySpace keys, LoadStats stats) {
    this.spec = spec;
    this.channels = channels;
    this.keys = keys;
    this.stats = stats;
  }

  static int watcherCount(int keys, int keysPerWatcher) {
    return (keys + keysPerWatcher - 1) / keysPerWatcher;
  }

  @Override
  public void setUp(long deadlineNanos) throws Unsupported, InterruptedException {
    int count = watcherCount(spec.keys(), spec.keysPerWatcher());
    for (int w = 0; w < count; w++) {
      int from = w * spec.keysPerWatcher();
      int to = Math.min(spec.keys(), from + spec.keysPerWatcher());
      Watcher watcher = new Watcher();
      watchers.add(watcher);
      watcher.requests = WatchGrpc.newStub(channels.get(w)).watch(watcher);
      watcher.requests.onNext(
          WatchRequest.newBuilder()
              .setCreateRequest(
                  WatchCreateRequest.newBuilder().setKey(keys.key(from)).setRangeEnd(keys.key(to)))
              .build());
    }
    for (Watcher watcher : watchers) {
      Status s = KvLoad.await(watcher.created, deadlineNanos);
      if (s.getCode() == Status.Code.UNIMPLEMENTED) {
        throw new Unsupported(LoadStats.describe(s));
      }
      if (!s.isOk()) {
        throw new IllegalStateException("watch create: " + LoadStats.describe(s));
      }
    }
  }

  @Override
  public ClientOp client(int index) {
    SplittableRandom random = new SplittableRandom(spec.seed() * 1_000_003L + index);
    KvLoad.Rotation rotation = new KvLoad.Rotation(channels, index);
    ByteString padding = keys.value().substring(STAMP_BYTES);
    return start -> {
      Channel ch = rotation.next();
      Unary<PutResponse> done = new Unary<>();
      KvLoad.kv(ch).put(KvLoad.put(keys.random(random), stamp(start).concat(padding)), done);
      return done.thenApply(r -> 0);
    };
  }

  static ByteString stamp(long nanos) {
    byte[] b = new byte[STAMP_BYTES];
    for (int i = 0; i < STAMP_BYTES; i++) {
      b[i] = (byte) (nanos >>> (8 * (STAMP_BYTES - 1 - i)));
    }
    return ByteString.copyFrom(b);
  }

  static long stampOf(ByteString value) {
    long nanos = 0;
    for (int i = 0; i < STAMP_BYTES; i++) {
      nanos = (nanos << 8) | (value.byteAt(i) & 0xff);
    }
    return nanos;
  }

  @Override
  public boolean recordsOwnLatency() {
    return true;
  }

  @Override
  public void addFigures(Map<String, Long> figures) {
    figures.put("watchers", (long) watchers.size());
    figures.put("keys_per_watcher", (long) spec.keysPerWatcher());
  }

  @Override
  public void close() {
    for (Watcher w : watchers) {
      w.close();
    }
  }

  /** One watch stream over a range of keys. Callbacks run on a network thread. */
  private final class Watcher implements StreamObserver<WatchResponse> {
    private final CompletableFuture<Void> created = new CompletableFuture<>();
    private StreamObserver<WatchRequest> requests;
    private volatile boolean ended;
    private volatile boolean closing;

    @Override
    public void onNext(WatchResponse r) {
      if (r.getCreated()) {
        created.complete(null);
      }
      if (r.getCanceled()) {
        ended = true;
        Exception e =
            Status.CANCELLED
                .withDescription("watch canceled: " + r.getCancelReason())
                .asException();
        if (!created.completeExceptionally(e)) {
          stats.error(e);
        }
        return;
      }
      long now = System.nanoTime();
      for (Event ev : r.getEventsList()) {
        ByteString v = ev.getKv().getValue();
        if (ev.getType() == Event.EventType.PUT && v.size() >= STAMP_BYTES) {
          stats.recordPrimary(now - stampOf(v));
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      ended = true;
      if (!created.completeExceptionally(t) && !closing) {
        stats.error(t);
      }
    }

    @Override
    public void onCompleted() {
      onError(Status.UNAVAILABLE.withDescription("watch stream ended").asException());
    }

    void close() {
      closing = true;
      if (requests != null && !ended) {
        ended = true;
        try {
          requests.onCompleted();
        } catch (RuntimeException e) {
          // Already cancelled by the channel's shutdown.
        }
      }
    }
  }
}
