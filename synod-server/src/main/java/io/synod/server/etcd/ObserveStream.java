package io.synod.server.etcd;

import io.etcd.jetcd.api.LeaderResponse;
import io.grpc.Status;
import io.synod.common.Bytes;
import io.synod.kv.KeyValue;
import io.synod.kv.KvError;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client's {@code Election.Observe} stream (gRPC, or the gateway's {@code
 * /v3/election/observe}): a {@link LeaderObserver} on the loop thread and a bounded outbox drained
 * through the transport's flow control.
 *
 * <pre>
 *   LeaderObserver (loop thread) ──report──▶ LatestOutbox (at most PENDING_MAX; oldest dropped)
 *                                                │ drain (executor, while ready)
 *                                                ▼ Outbound.send
 * </pre>
 *
 * <p>A client that does not read loses intermediate reports, never the newest one: etcd's observer
 * promises only that the latest leader is posted. The stream starts after a ReadIndex round, so its
 * first report is at least as new as any write acknowledged before the call.
 *
 * <p><b>Threads.</b> {@link #open} and {@link #close} from any thread; reports on the loop thread;
 * {@link #drain} on any thread (serialized here).
 */
final class ObserveStream {
  /** Reports kept for a slow client. */
  static final int PENDING_MAX = 64;

  private final ConcurrencyRecipes recipes;
  private final EtcdEdge edge;
  private final LatestOutbox<LeaderResponse> outbox;
  private final LeaderObserver observer;
  private final AtomicBoolean admitted = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final boolean requireLeader;
  private final Runnable onLeaderLost = this::leaderLost;

  /**
   * @param requireLeader the call carried {@code hasleader: true}: the stream fails with {@code
   *     Unavailable "etcdserver: no leader"} when the member goes without a leader too long
   */
  ObserveStream(
      ConcurrencyRecipes recipes,
      Bytes name,
      LatestOutbox.Outbound<LeaderResponse> out,
      boolean requireLeader) {
    this.recipes = recipes;
    this.requireLeader = requireLeader;
    this.edge = recipes.edge;
    this.outbox = new LatestOutbox<>(PENDING_MAX, edge.executor(), out, this::close);
    this.observer = new LeaderObserver(ConcurrencyRecipes.prefix(name), this::report);
  }

  /** Starts observing (after a linearizable read). */
  void open() {
    if (!recipes.admitObserver()) {
      fail(Status.UNKNOWN.withDescription(KvError.TOO_MANY_REQUESTS.message()));
      return;
    }
    admitted.set(true);
    if (closed.get()) {
      release();
      return;
    }
    recipes
        .afterRead(
            sm -> {
              if (!closed.get()) {
                observer.start(sm);
                if (requireLeader) {
                  edge.replica.requireLeader(onLeaderLost);
                }
              }
            })
        .whenComplete(
            (v, error) -> {
              if (error != null) {
                fail(ConcurrencyRecipes.passThrough(error).getStatus());
              }
            });
  }

  /** A report of the observer (loop thread). */
  private void report(long revision, KeyValue kv) {
    if (!closed.get()) {
      outbox.offer(
          LeaderResponse.newBuilder()
              .setHeader(edge.header(revision))
              .setKv(EtcdProtos.kv(kv))
              .build());
    }
  }

  /** Sends what the client can take now (the transport became ready). Safe from any thread. */
  void drain() {
    outbox.drain();
  }

  /** Ends the stream with {@code status}, sent after nothing else. */
  void fail(Status status) {
    outbox.fail(status);
    close();
  }

  private void leaderLost() {
    fail(Status.UNAVAILABLE.withDescription(KvError.NO_LEADER.message()));
  }

  private void release() {
    if (admitted.compareAndSet(true, false)) {
      recipes.releaseObserver();
    }
  }

  /** The client went away (or the stream failed): stops the observer. Idempotent. */
  void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    release();
    recipes.onLoop(
        sm -> {
          observer.close();
          edge.replica.releaseLeader(onLeaderLost);
        });
  }
}
