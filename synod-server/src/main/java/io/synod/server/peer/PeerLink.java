package io.synod.server.peer;

import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.synod.common.Bytes;
import io.synod.raft.Envelope;
import io.synod.raft.RaftCodec;
import io.synod.server.PeerUrls;
import io.synod.server.member.MemberIds;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The connection to one peer: a bounded queue of outgoing envelopes and one long-lived gRPC stream
 * that carries them in batches. Never blocks its callers: a full queue drops the envelope (counted;
 * Raft resends what matters). A broken stream drops what was queued for it and is reopened after a
 * backoff that doubles up to a cap and resets once a new stream is ready.
 *
 * <p><b>Threads.</b> {@link #offer} from any thread (the replica loop). One drain at a time per
 * link (the {@code drainScheduled} flag), so the stream is written by one thread at a time as gRPC
 * requires. {@link #offer} drains on its own thread when no drain is under way: writing to the
 * stream only encodes and queues for Netty, and handing the drain to another thread would add a
 * thread wake-up to every Raft round trip (on a loaded machine, milliseconds). gRPC callbacks and
 * the backoff timer only set flags and schedule a drain on the shared scheduler.
 */
final class PeerLink {
  private static final Logger LOG = Logger.getLogger(PeerLink.class.getName());

  /** The longest wait between two looks for forward calls past their deadline. */
  private static final long SWEEP_MILLIS_MAX = 250;

  private record PendingForward(CompletableFuture<Bytes> future, long deadlineNanos) {}

  private final long peerId;
  private final String url;
  private final PeerTransport.Options options;
  private final ScheduledExecutorService scheduler;
  private final PeerStats stats;
  private final Consumer<String> onRemoved;
  private final ManagedChannel channel;
  private final ArrayBlockingQueue<Envelope> queue;
  private final AtomicLong queuedBytes = new AtomicLong();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();

  /** Forward calls answered neither by a reply nor by a broken stream yet, by call id. */
  private final Map<Long, PendingForward> pendingForwards = new HashMap<>();

  private final Object forwardLock = new Object();
  private ClientCallStreamObserver<byte[]> forwardStream; // guarded by forwardLock
  private long lastCallId; // guarded by forwardLock
  private boolean sweepScheduled; // guarded by forwardLock

  private volatile ClientCallStreamObserver<byte[]> stream;
  private volatile ClientCallStreamObserver<byte[]> brokenStream;
  private volatile long backoffMillis;
  private volatile boolean closed;
  private long reopenAtNanos;

  PeerLink(
      long peerId,
      List<String> urls,
      PeerTransport.Options options,
      ScheduledExecutorService scheduler,
      PeerStats stats,
      Consumer<String> onRemoved) {
    this.peerId = peerId;
    this.onRemoved = onRemoved;
    // TODO(membership): try the member's other peer URLs when the first one fails.
    this.url = urls.get(0);
    this.options = options;
    this.scheduler = scheduler;
    this.stats = stats;
    this.queue = new ArrayBlockingQueue<>(options.queueMessagesMax());
    this.backoffMillis = options.backoffMin().toMillis();
    InetSocketAddress a = PeerUrls.address(url);
    this.channel =
        NettyChannelBuilder.forAddress(a.getHostString(), a.getPort())
            .usePlaintext()
            .maxInboundMessageSize(PeerMethods.MESSAGE_BYTES_MAX)
            .keepAliveTime(30, TimeUnit.SECONDS)
            .keepAliveTimeout(10, TimeUnit.SECONDS)
            .disableRetry()
            // Callbacks only set flags, schedule a drain or complete a forward's future (whose
            // continuations never block), so they run on Netty's thread: no hand-over per reply.
            .directExecutor()
            .build();
  }

  long peerId() {
    return peerId;
  }

  /** Queues {@code e} for sending; drops it (counted) if the queue is full. Never blocks. */
  void offer(Envelope e) {
    int size = RaftCodec.size(e);
    if (closed || queuedBytes.get() + size > options.queueBytesMax() || !queue.offer(e)) {
      stats.droppedQueueFull.increment();
      return;
    }
    queuedBytes.addAndGet(size);
    if (!closed && drainScheduled.compareAndSet(false, true)) {
      drain();
    }
  }

  /**
   * A forward call to this peer, on the link's forward stream (opened when none is open). The
   * future fails with UNAVAILABLE if the stream breaks first, and with DEADLINE_EXCEEDED if no
   * reply came within the forward timeout (checked every {@link #sweepMillis}, so up to that much
   * later).
   */
  CompletableFuture<Bytes> forward(PeerMethods.ForwardRequest request) {
    CompletableFuture<Bytes> f = new CompletableFuture<>();
    RuntimeException failed = null;
    synchronized (forwardLock) {
      long id = ++lastCallId;
      try {
        if (forwardStream == null) {
          forwardStream = openForwardStream();
        }
        if (forwardStream == null) {
          throw new IllegalStateException("the forward stream failed as it opened");
        }
        pendingForwards.put(
            id, new PendingForward(f, System.nanoTime() + options.forwardTimeout().toNanos()));
        scheduleSweepLocked();
        forwardStream.onNext(new PeerMethods.ForwardCall(id, request).encode());
      } catch (RuntimeException e) {
        // The channel is shut down, say: gRPC throws rather than failing the stream.
        pendingForwards.remove(id);
        failed = e;
      }
    }
    if (failed != null) {
      f.completeExceptionally(
          Status.UNAVAILABLE
              .withDescription("forwarding to peer " + MemberIds.hex(peerId) + " failed")
              .withCause(failed)
              .asRuntimeException());
    }
    return f;
  }

  /** How often calls past their deadline are failed. */
  private long sweepMillis() {
    return Math.max(1, Math.min(SWEEP_MILLIS_MAX, options.forwardTimeout().toMillis() / 4));
  }

  private void scheduleSweepLocked() {
    if (sweepScheduled) {
      return;
    }
    sweepScheduled = true;
    try {
      scheduler.schedule(this::sweepForwards, sweepMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException stopping) {
      sweepScheduled = false; // the transport is closing; close() fails what is left
    }
  }

  private void sweepForwards() {
    List<CompletableFuture<Bytes>> expired = new ArrayList<>();
    long now = System.nanoTime();
    synchronized (forwardLock) {
      sweepScheduled = false;
      Iterator<PendingForward> it = pendingForwards.values().iterator();
      while (it.hasNext()) {
        PendingForward p = it.next();
        if (now - p.deadlineNanos() >= 0) {
          expired.add(p.future());
          it.remove();
        }
      }
      if (!pendingForwards.isEmpty()) {
        scheduleSweepLocked();
      }
    }
    for (CompletableFuture<Bytes> f : expired) {
      f.completeExceptionally(
          Status.DEADLINE_EXCEEDED
              .withDescription(
                  "no answer from peer " + MemberIds.hex(peerId) + " within the forward timeout")
              .asRuntimeException());
    }
  }

  private ClientCallStreamObserver<byte[]> openForwardStream() {
    final class Replies implements ClientResponseObserver<byte[], byte[]> {
      private ClientCallStreamObserver<byte[]> requests;
      private boolean broken; // guarded by forwardLock

      @Override
      public void beforeStart(ClientCallStreamObserver<byte[]> requestStream) {
        this.requests = requestStream;
      }

      @Override
      public void onNext(byte[] frame) {
        PeerMethods.ForwardReply reply;
        try {
          reply = PeerMethods.ForwardReply.decode(frame);
        } catch (IllegalArgumentException e) {
          stats.malformed.increment();
          return;
        }
        PendingForward p;
        synchronized (forwardLock) {
          p = pendingForwards.remove(reply.callId());
        }
        if (p == null) {
          return; // timed out already, or a reply to nothing
        }
        try {
          p.future().complete(reply.replyOrThrow());
        } catch (StatusRuntimeException e) {
          p.future().completeExceptionally(e);
        }
      }

      @Override
      public void onError(Throwable t) {
        broke(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        broke(Status.UNAVAILABLE.withDescription("the peer ended the forward stream"));
      }

      private void broke(Status why) {
        List<PendingForward> lost;
        synchronized (forwardLock) {
          broken = true;
          if (forwardStream == requests) {
            forwardStream = null;
          }
          // Every call under way went on this stream: a new one opens only once this one is gone.
          lost = new ArrayList<>(pendingForwards.values());
          pendingForwards.clear();
        }
        for (PendingForward p : lost) {
          p.future()
              .completeExceptionally(
                  Status.UNAVAILABLE
                      .withDescription(
                          "the forward stream to peer "
                              + MemberIds.hex(peerId)
                              + " broke: "
                              + why.getCode()
                              + (why.getDescription() == null ? "" : " " + why.getDescription()))
                      .asRuntimeException());
        }
      }
    }
    Replies replies = new Replies();
    // Not in the caller's gRPC context: a stream started there would be cancelled with the client
    // call that happened to open it, and with it every other member's calls under way.
    Context previous = Context.ROOT.attach();
    try {
      ClientCalls.asyncBidiStreamingCall(
          channel.newCall(PeerMethods.FORWARD, CallOptions.DEFAULT), replies);
    } finally {
      Context.ROOT.detach(previous);
    }
    // A call on a channel that is shut down fails as it starts, on this thread (direct executor).
    return replies.broken ? null : replies.requests;
  }

  /** Fails the forward calls under way; called when the link closes. */
  private void endForwards() {
    ClientCallStreamObserver<byte[]> s;
    synchronized (forwardLock) {
      s = forwardStream;
    }
    if (s != null) {
      try {
        s.cancel("peer link closed", null);
      } catch (RuntimeException ignored) {
        // Already ended.
      }
    }
  }

  private void scheduleDrain() {
    if (!closed && drainScheduled.compareAndSet(false, true)) {
      scheduler.execute(this::drain);
    }
  }

  private void drain() {
    try {
      drainOnce();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "peer " + MemberIds.hex(peerId) + ": sending failed", e);
      ClientCallStreamObserver<byte[]> s = stream;
      if (s != null) {
        brokenStream = s;
      }
    } finally {
      drainScheduled.set(false);
    }
    // An offer may have come between the last poll and clearing the flag.
    ClientCallStreamObserver<byte[]> s = stream;
    if (!queue.isEmpty() && s != null && s.isReady() && brokenStream != s) {
      scheduleDrain();
    }
  }

  private void drainOnce() {
    if (closed) {
      return;
    }
    ClientCallStreamObserver<byte[]> s = stream;
    if (s != null && brokenStream == s) {
      streamBroke(s);
      return;
    }
    if (s == null) {
      if (System.nanoTime() < reopenAtNanos) {
        return;
      }
      s = open();
    }
    while (s.isReady() && !queue.isEmpty()) {
      List<Bytes> batch = new ArrayList<>();
      int batchBytes = 0;
      Envelope e;
      while ((e = queue.peek()) != null) {
        int size = RaftCodec.size(e);
        if (!batch.isEmpty() && batchBytes + size > PeerMethods.BATCH_BYTES_MAX) {
          break;
        }
        queue.poll();
        queuedBytes.addAndGet(-size);
        batch.add(RaftCodec.encode(e));
        batchBytes += size;
      }
      s.onNext(PeerMethods.encodeBatch(batch));
      stats.sent.add(batch.size());
    }
  }

  private void streamBroke(ClientCallStreamObserver<byte[]> s) {
    stream = null;
    stats.streamFailures.increment();
    int dropped = queue.size();
    queue.clear();
    queuedBytes.set(0);
    stats.droppedDisconnected.add(dropped);
    long wait = backoffMillis;
    backoffMillis = Math.min(wait * 2, options.backoffMax().toMillis());
    reopenAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait);
    scheduler.schedule(this::scheduleDrain, wait, TimeUnit.MILLISECONDS);
    try {
      s.cancel("stream broke", null);
    } catch (RuntimeException ignored) {
      // Already closed.
    }
  }

  private ClientCallStreamObserver<byte[]> open() {
    final class Responses implements ClientResponseObserver<byte[], byte[]> {
      private ClientCallStreamObserver<byte[]> requests;

      @Override
      public void beforeStart(ClientCallStreamObserver<byte[]> requestStream) {
        this.requests = requestStream;
        requestStream.setOnReadyHandler(
            () -> {
              backoffMillis = options.backoffMin().toMillis();
              scheduleDrain();
            });
      }

      @Override
      public void onNext(byte[] value) {}

      @Override
      public void onError(Throwable t) {
        LOG.log(Level.FINE, "peer " + MemberIds.hex(peerId) + " stream failed: " + t);
        Status status = Status.fromThrowable(t);
        String description = status.getDescription();
        if (status.getCode() == Status.Code.FAILED_PRECONDITION
            && description != null
            && description.startsWith(PeerService.REMOVED_PREFIX)) {
          onRemoved.accept("peer " + MemberIds.hex(peerId) + " said so");
        }
        brokenStream = requests;
        scheduleDrain();
      }

      @Override
      public void onCompleted() {
        brokenStream = requests;
        scheduleDrain();
      }
    }
    Responses responses = new Responses();
    ClientCalls.asyncBidiStreamingCall(
        channel.newCall(PeerMethods.RAFT, CallOptions.DEFAULT), responses);
    stream = responses.requests;
    return responses.requests;
  }

  /**
   * Closes the link of a member that left the cluster: no more envelopes, but forward calls already
   * under way (a leader's answer to a membership change, say) may finish within the forward timeout
   * before the channel is torn down.
   */
  void retire() {
    endStream();
    channel.shutdown();
    try {
      scheduler.schedule(
          channel::shutdownNow, options.forwardTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException stopping) {
      channel.shutdownNow();
    }
  }

  void close() {
    endStream();
    endForwards();
    channel.shutdownNow();
  }

  private void endStream() {
    closed = true;
    ClientCallStreamObserver<byte[]> s = stream;
    if (s != null) {
      try {
        s.onCompleted();
      } catch (RuntimeException ignored) {
        // Already broken.
      }
    }
  }

  void awaitTermination(long millis) throws InterruptedException {
    channel.awaitTermination(millis, TimeUnit.MILLISECONDS);
  }

  @Override
  public String toString() {
    return MemberIds.hex(peerId) + "@" + url;
  }
}
