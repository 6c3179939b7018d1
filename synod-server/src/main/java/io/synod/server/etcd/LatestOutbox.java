package io.synod.server.etcd;

import io.grpc.Status;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded outbox for a server stream whose client needs the newest messages rather than all of
 * them (an Observe stream): at most {@code pendingMax} messages wait, the oldest goes first when
 * more come, and they are sent on {@code executor} while the transport is ready. A failure is sent
 * after nothing else and ends the stream.
 *
 * <pre>
 *   offer (any thread) ──▶ [queue ≤ pendingMax, oldest dropped] ──drain (executor, while ready)──▶ out
 * </pre>
 *
 * <p><b>Threads.</b> {@link #offer}, {@link #drain} and {@link #fail} are safe from any thread; the
 * {@link Outbound} is called by one drain at a time.
 */
final class LatestOutbox<T> {
  /** Where messages go; called by one thread at a time. */
  interface Outbound<T> {
    boolean isReady();

    void send(T message);

    void fail(Status status);
  }

  private final int pendingMax;
  private final Executor executor;
  private final Outbound<T> out;
  private final Runnable onGone;
  private final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicInteger wip = new AtomicInteger();
  private volatile Status failure;
  private volatile boolean ended;

  /** Drain threads only. */
  private boolean finished;

  /**
   * @param onGone runs (on a drain thread) when the transport refused a message: the client went
   *     away
   */
  LatestOutbox(int pendingMax, Executor executor, Outbound<T> out, Runnable onGone) {
    this.pendingMax = pendingMax;
    this.executor = executor;
    this.out = out;
    this.onGone = onGone;
  }

  /** Queues {@code message}, dropping the oldest waiting one if the outbox is full. */
  void offer(T message) {
    if (ended) {
      return;
    }
    queue.add(message);
    if (queued.incrementAndGet() > pendingMax && queue.poll() != null) {
      queued.decrementAndGet();
    }
    drain();
  }

  /** Messages waiting. */
  int pending() {
    return queued.get();
  }

  /** Ends the stream with {@code status}, sent after nothing else; later offers are dropped. */
  void fail(Status status) {
    if (failure == null) {
      failure = status;
    }
    ended = true;
    drain();
  }

  /** Sends what the transport takes now, off the calling thread. */
  void drain() {
    if (wip.getAndIncrement() == 0) {
      executor.execute(this::drainLoop);
    }
  }

  private void drainLoop() {
    int missed = 1;
    do {
      try {
        drainOnce();
      } catch (RuntimeException e) {
        // The transport refused: the client went away.
        finished = true;
        ended = true;
        queue.clear();
        onGone.run();
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
    T m;
    while (out.isReady() && (m = queue.poll()) != null) {
      queued.decrementAndGet();
      out.send(m);
    }
  }
}
