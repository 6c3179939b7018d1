package io.synod.server.etcd;

import io.etcd.jetcd.api.WatchResponse;
import io.grpc.Status;
import io.synod.kv.Event;
import io.synod.kv.KvError;
import io.synod.kv.WatchCreateResult;
import io.synod.kv.WatchRequest;
import io.synod.kv.WatchSink;
import io.synod.kv.WatchStream;
import io.synod.server.node.CallerLoop;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client watch stream (gRPC, or the gateway's {@code /v3/watch}) bound to one synod-kv {@link
 * WatchStream} (etcd-api.md §3).
 *
 * <pre>
 *  client requests ──▶ NodeRunner.call (in order) ──▶ WatchStream create/cancel/progress
 *                                                           │ created, events, cancels, progress
 *  Outbound ◀── drain (the stream's event loop, while ready) ◀── bounded queue ◀──┘ (WatchSink, loop thread)
 * </pre>
 *
 * <ul>
 *   <li>Order: every response is queued on the loop thread in the order the hub produced it, and
 *       {@code create} answers are queued there too, so created responses come in request order and
 *       before the watcher's first event.
 *   <li>Flow control: at most {@link #EVENT_RESPONSES_MAX} event responses wait for the client;
 *       then {@link #offer} refuses, the hub catches the watcher up from history later, and the
 *       drain wakes the loop once half the room is free. The loop never blocks; no event is lost.
 *   <li>{@code hasleader}: the stream fails with {@code Unavailable "etcdserver: no leader"} when
 *       the member goes without a leader too long.
 * </ul>
 *
 * <p><b>Threads.</b> {@link #onRequest} from the transport's thread (one at a time); the {@link
 * WatchSink} methods on the loop thread; {@link #drain} on any thread (serialized here).
 */
final class WatchSession implements WatchSink {
  /** Event responses queued for a slow client before the hub is told to hold back. */
  static final int EVENT_RESPONSES_MAX = 256;

  /** Responses of any kind queued; a client that still does not read is cut off. */
  static final int RESPONSES_MAX = 4 * EVENT_RESPONSES_MAX + 1024;

  /** Where responses go. Called by one thread at a time. */
  interface Outbound {
    boolean isReady();

    void send(WatchResponse response);

    void fail(Status status);
  }

  private sealed interface Item {}

  private record Ready(WatchResponse response) implements Item {}

  private record Events(long watchId, long revision, List<Event> events, boolean fragment)
      implements Item {}

  private final EtcdEdge edge;
  private final Outbound out;
  private final boolean requireLeader;
  private final Runnable onLeaderLost = this::leaderLost;

  /**
   * Where the drain runs: the Netty event loop the stream was opened on (CallerLoop), whose writes
   * then need no further hand-over, else the service pool.
   */
  private final Executor sendOn;

  /** Loop thread only. */
  private WatchStream stream;

  private final ConcurrentLinkedQueue<Item> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicInteger queuedEvents = new AtomicInteger();
  private final AtomicInteger wip = new AtomicInteger();
  private volatile boolean refused;
  private volatile boolean closed;
  private volatile Status failure;

  /** Drain threads only (serialized by {@link #wip}). */
  private boolean finished;

  WatchSession(EtcdEdge edge, Outbound out, boolean requireLeader) {
    this.edge = edge;
    this.out = out;
    this.requireLeader = requireLeader;
    this.sendOn = CallerLoop.currentOr(edge.executor());
  }

  /** Opens the synod-kv stream; requests may follow at once (the loop runs them in order). */
  void open() {
    submit(
        () -> {
          stream = edge.replica.stateMachine().watchHub().openStream(this);
          if (requireLeader) {
            edge.replica.requireLeader(onLeaderLost);
          }
        });
  }

  /** A client request: create, cancel or progress. */
  void onRequest(io.etcd.jetcd.api.WatchRequest request) {
    switch (request.getRequestUnionCase()) {
      case CREATE_REQUEST -> {
        WatchRequest r = EtcdProtos.watch(request.getCreateRequest());
        submit(() -> create(r));
      }
      case CANCEL_REQUEST -> {
        long id = request.getCancelRequest().getWatchId();
        submit(() -> stream.cancel(id));
      }
      case PROGRESS_REQUEST -> submit(() -> stream.requestProgress());
      default -> {
        // etcd ignores a request with none of the three.
      }
    }
  }

  private void submit(Runnable onLoop) {
    if (closed) {
      return;
    }
    edge.ctx
        .runner()
        .call(
            loop -> {
              if (!closed) {
                onLoop.run();
              }
              return null;
            })
        .whenComplete(
            (v, error) -> {
              if (error != null) {
                fail(EtcdErrors.toStatus(error));
              }
            });
  }

  private void create(WatchRequest r) {
    WatchCreateResult result = stream.create(r);
    WatchResponse.Builder b = WatchResponse.newBuilder().setCreated(true);
    if (result instanceof WatchCreateResult.Created c) {
      b.setHeader(edge.header(c.revision())).setWatchId(c.watchId());
    } else {
      b.setHeader(edge.header(edge.replica.stateMachine().revision()))
          .setWatchId(WatchStream.ALL_WATCHERS)
          .setCanceled(true)
          .setCancelReason(((WatchCreateResult.Rejected) result).reason());
    }
    enqueue(new Ready(b.build()));
  }

  // ---------------------------------------------------------------------------------------------
  // WatchSink (loop thread)

  @Override
  public boolean offer(long watchId, long revision, List<Event> events, boolean fragment) {
    if (closed) {
      return true; // the stream is going away; its watchers are being dropped
    }
    if (queuedEvents.get() >= EVENT_RESPONSES_MAX) {
      refused = true;
      edge.replica.offered(false);
      return false;
    }
    queuedEvents.incrementAndGet();
    edge.replica.offered(true);
    enqueue(new Events(watchId, revision, events, fragment));
    return true;
  }

  @Override
  public void canceled(long watchId, long compactRevision, String reason) {
    // A compaction cancel carries an empty header revision (etcd-api.md §3, observed).
    long revision = compactRevision > 0 ? 0 : edge.replica.stateMachine().revision();
    WatchResponse.Builder b =
        WatchResponse.newBuilder()
            .setHeader(edge.header(revision))
            .setWatchId(watchId)
            .setCanceled(true)
            .setCompactRevision(Math.max(0, compactRevision))
            .setCancelReason(reason);
    enqueue(new Ready(b.build()));
  }

  @Override
  public void progress(long watchId, long revision) {
    enqueue(
        new Ready(
            WatchResponse.newBuilder()
                .setHeader(edge.header(revision))
                .setWatchId(watchId)
                .build()));
  }

  private void enqueue(Item item) {
    if (closed) {
      return;
    }
    if (queued.incrementAndGet() > RESPONSES_MAX) {
      fail(Status.RESOURCE_EXHAUSTED.withDescription(KvError.TOO_MANY_REQUESTS.message()));
      return;
    }
    queue.add(item);
    drain();
  }

  private void leaderLost() {
    fail(Status.UNAVAILABLE.withDescription(KvError.NO_LEADER.message()));
  }

  // ---------------------------------------------------------------------------------------------
  // Sending

  /** Sends what the client can take now, off the calling thread. Safe from any thread. */
  void drain() {
    if (wip.getAndIncrement() == 0) {
      // May run on the replica loop: sendOn falls back to the pool if the event loop is closing.
      sendOn.execute(this::drainLoop);
    }
  }

  private void drainLoop() {
    int missed = 1;
    do {
      try {
        drainOnce();
      } catch (RuntimeException e) {
        // The transport refused (the client went away): stop sending.
        finished = true;
        close();
      }
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
  }

  private void drainOnce() {
    if (finished) {
      queue.clear();
      return;
    }
    Status f = failure;
    if (f != null) {
      finished = true;
      queue.clear();
      out.fail(f);
      return;
    }
    Item item;
    while (out.isReady() && (item = queue.poll()) != null) {
      queued.decrementAndGet();
      if (item instanceof Events e) {
        queuedEvents.decrementAndGet();
        out.send(response(e));
      } else {
        out.send(((Ready) item).response());
      }
    }
    if (refused && queuedEvents.get() <= EVENT_RESPONSES_MAX / 2) {
      refused = false;
      edge.ctx.runner().wake();
    }
  }

  private WatchResponse response(Events e) {
    WatchResponse.Builder b =
        WatchResponse.newBuilder().setHeader(edge.header(e.revision())).setWatchId(e.watchId());
    for (Event ev : e.events()) {
      b.addEvents(EtcdProtos.event(ev));
    }
    if (e.fragment()) {
      b.setUnknownFields(EtcdSchema.varint(EtcdSchema.WATCH_RESPONSE_FRAGMENT, 1));
    }
    return b.build();
  }

  // ---------------------------------------------------------------------------------------------
  // Ending

  /** Ends the stream with {@code status} (sent after nothing else) and drops its watchers. */
  void fail(Status status) {
    if (failure == null) {
      failure = status;
    }
    drain();
    close();
  }

  /** The client went away (or the stream failed): drops every watcher. Idempotent. */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    edge.ctx
        .runner()
        .call(
            loop -> {
              if (stream != null) {
                stream.close();
              }
              edge.replica.releaseLeader(onLeaderLost);
              return null;
            });
  }
}
