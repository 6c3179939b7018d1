package io.synod.bench;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.etcd.jetcd.api.WatchCancelRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Lock acquire/release as etcd's client {@code concurrency.Mutex} does it, over KV, lease and watch
 * only, so it runs on any server with those services. Acquire: a Txn creates {@code <name>/<lease
 * id>} with the client's lease if it does not exist, and reads the prefix's oldest key; the lock is
 * held once no key of the prefix has a lower create revision, waited for by watching the newest
 * such key until it is deleted (each waiter watches only its predecessor). Release: delete the key.
 */
final class LockRecipeLoad implements LoadWorkload {
  /** Predecessor deletions one acquisition may wait through (each a watch round). */
  private static final int WAIT_ROUNDS_MAX = 10_000;

  private final LoadSpec spec;
  private final EtcdChannels channels;
  private final List<DeleteWatcher> watchers = new ArrayList<>();
  private long[] leases = new long[0];

  LockRecipeLoad(LoadSpec spec, EtcdChannels channels) {
    this.spec = spec;
    this.channels = channels;
  }

  @Override
  public void setUp(long deadlineNanos) throws Unsupported, InterruptedException {
    leases = LeaseLoad.grantPerClient(spec, channels, deadlineNanos);
  }

  @Override
  public ClientOp client(int index) {
    SplittableRandom random = new SplittableRandom(spec.seed() * 1_000_003L + index);
    KvLoad.Rotation rotation = new KvLoad.Rotation(channels, index);
    DeleteWatcher watcher = new DeleteWatcher(channels.get(index));
    synchronized (watchers) {
      watchers.add(watcher);
    }
    long lease = leases[index];
    return start -> {
      Channel ch = rotation.next();
      ByteString prefix =
          LeaseLoad.lockName(random.nextInt(spec.keys())).concat(ByteString.copyFromUtf8("/"));
      ByteString myKey =
          prefix.concat(ByteString.copyFrom(Long.toHexString(lease), StandardCharsets.US_ASCII));
      CompletableFuture<Integer> op =
          acquire(ch, watcher, prefix, myKey, lease)
              .thenCompose(v -> delete(ch, myKey))
              .thenApply(d -> 0);
      // An acquisition that failed half-way must not leave its key to block the others.
      return op.whenComplete(
          (r, t) -> {
            if (t != null) {
              delete(ch, myKey);
            }
          });
    };
  }

  private CompletableFuture<Void> acquire(
      Channel ch, DeleteWatcher watcher, ByteString prefix, ByteString myKey, long lease) {
    RequestOp owner = RequestOp.newBuilder().setRequestRange(oldest(prefix)).build();
    TxnRequest txn =
        TxnRequest.newBuilder()
            .addCompare(
                Compare.newBuilder()
                    .setKey(myKey)
                    .setTarget(Compare.CompareTarget.CREATE)
                    .setResult(Compare.CompareResult.EQUAL)
                    .setCreateRevision(0))
            .addSuccess(
                RequestOp.newBuilder()
                    .setRequestPut(PutRequest.newBuilder().setKey(myKey).setLease(lease)))
            .addSuccess(owner)
            .addFailure(RequestOp.newBuilder().setRequestRange(KvLoad.range(myKey, false)))
            .addFailure(owner)
            .build();
    Unary<TxnResponse> created = new Unary<>();
    KvLoad.kv(ch).txn(txn, created);
    return created.thenCompose(
        r -> {
          long myRevision =
              r.getSucceeded()
                  ? r.getHeader().getRevision()
                  : r.getResponses(0).getResponseRange().getKvs(0).getCreateRevision();
          List<KeyValue> first = r.getResponses(1).getResponseRange().getKvsList();
          if (first.isEmpty() || first.get(0).getCreateRevision() == myRevision) {
            return CompletableFuture.completedFuture(null);
          }
          return waitDeletes(ch, watcher, prefix, myRevision - 1, 0);
        });
  }

  /** Waits until no key of {@code prefix} has a create revision up to {@code maxRevision}. */
  private CompletableFuture<Void> waitDeletes(
      Channel ch, DeleteWatcher watcher, ByteString prefix, long maxRevision, int rounds) {
    if (rounds >= WAIT_ROUNDS_MAX) {
      return CompletableFuture.failedFuture(
          Status.ABORTED.withDescription("lock: too many predecessors").asException());
    }
    RangeRequest newestBefore =
        RangeRequest.newBuilder()
            .setKey(prefix)
            .setRangeEnd(prefixEnd(prefix))
            .setMaxCreateRevision(maxRevision)
            .setSortTarget(RangeRequest.SortTarget.CREATE)
            .setSortOrder(RangeRequest.SortOrder.DESCEND)
            .setLimit(1)
            .build();
    Unary<RangeResponse> read = new Unary<>();
    KvLoad.kv(ch).range(newestBefore, read);
    return read.thenCompose(
        r -> {
          if (r.getKvsCount() == 0) {
            return CompletableFuture.completedFuture(null);
          }
          return watcher
              .awaitDelete(r.getKvs(0).getKey(), r.getHeader().getRevision() + 1)
              .thenCompose(v -> waitDeletes(ch, watcher, prefix, maxRevision, rounds + 1));
        });
  }

  private static RangeRequest oldest(ByteString prefix) {
    return RangeRequest.newBuilder()
        .setKey(prefix)
        .setRangeEnd(prefixEnd(prefix))
        .setSortTarget(RangeRequest.SortTarget.CREATE)
        .setSortOrder(RangeRequest.SortOrder.ASCEND)
        .setLimit(1)
        .build();
  }

  private static CompletableFuture<DeleteRangeResponse> delete(Channel ch, ByteString key) {
    Unary<DeleteRangeResponse> done = new Unary<>();
    KvLoad.kv(ch).deleteRange(DeleteRangeRequest.newBuilder().setKey(key).build(), done);
    return done;
  }

  /** The end of the range of keys starting with {@code prefix} (etcd's GetPrefixRangeEnd). */
  static ByteString prefixEnd(ByteString prefix) {
    byte[] end = prefix.toByteArray();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return ByteString.copyFrom(end, 0, i + 1);
      }
    }
    return ByteString.copyFrom(new byte[] {0}); // every key: etcd's "\0" range end
  }

  @Override
  public void close() {
    synchronized (watchers) {
      watchers.forEach(DeleteWatcher::close);
    }
    LeaseLoad.revokeAll(channels, leases);
  }

  /**
   * One client's watch stream, one watch at a time: created for the key to wait on, from the
   * revision after the read that found it, cancelled once its DELETE arrives. Reopened after an
   * error. Used by one client at a time; answers arrive on a network thread.
   */
  static final class DeleteWatcher implements StreamObserver<WatchResponse> {
    private final Channel channel;
    private StreamObserver<WatchRequest> requests;
    private volatile boolean broken;
    private volatile boolean closing;
    private volatile long watchId = -1;
    private volatile CompletableFuture<Void> pending;

    DeleteWatcher(Channel channel) {
      this.channel = channel;
    }

    CompletableFuture<Void> awaitDelete(ByteString key, long fromRevision) {
      if (requests == null || broken) {
        broken = false;
        requests = WatchGrpc.newStub(channel).watch(this);
      }
      CompletableFuture<Void> p = new CompletableFuture<>();
      watchId = -1;
      pending = p;
      requests.onNext(
          WatchRequest.newBuilder()
              .setCreateRequest(
                  WatchCreateRequest.newBuilder()
                      .setKey(key)
                      .setStartRevision(fromRevision)
                      .addFilters(WatchCreateRequest.FilterType.NOPUT))
              .build());
      return p.orTimeout(LeaseLoad.LOCK_WAIT_SECONDS, TimeUnit.SECONDS)
          .whenComplete(
              (v, t) -> {
                if (t != null) {
                  broken = true;
                  try {
                    requests.onError(Status.CANCELLED.withDescription("abandoned").asException());
                  } catch (RuntimeException e) {
                    // Already closed.
                  }
                }
              });
    }

    @Override
    public void onNext(WatchResponse r) {
      CompletableFuture<Void> p = pending;
      if (r.getCreated() && watchId == -1) {
        watchId = r.getWatchId();
      }
      if (p == null || r.getWatchId() != watchId) {
        return; // A cancelled watch's last words.
      }
      if (r.getCanceled()) {
        p.completeExceptionally(
            Status.CANCELLED
                .withDescription("watch canceled: " + r.getCancelReason())
                .asException());
        return;
      }
      for (Event e : r.getEventsList()) {
        if (e.getType() == Event.EventType.DELETE) {
          pending = null;
          requests.onNext(
              WatchRequest.newBuilder()
                  .setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(watchId))
                  .build());
          p.complete(null);
          return;
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      broken = true;
      CompletableFuture<Void> p = pending;
      if (p != null && !closing) {
        p.completeExceptionally(t);
      }
    }

    @Override
    public void onCompleted() {
      onError(Status.UNAVAILABLE.withDescription("watch stream ended").asException());
    }

    void close() {
      closing = true;
      if (requests != null && !broken) {
        try {
          requests.onCompleted();
        } catch (RuntimeException e) {
          // Already cancelled by the channel's shutdown.
        }
      }
    }
  }
}
