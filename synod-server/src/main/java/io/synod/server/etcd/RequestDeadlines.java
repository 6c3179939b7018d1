package io.synod.server.etcd;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Fails requests that outlive the request timeout with a {@link TimeoutException}, as {@code
 * orTimeout} would, but without a timer task per request: every request gets the same timeout, so
 * deadlines come in the order requests do, and one queue swept a few times a second finds the
 * expired ones at its head. {@code orTimeout} schedules (and cancels) a task on the JDK's shared
 * delay thread per request, which wakes that thread about once per write; here it wakes once per
 * sweep period while requests are pending, and not at all when none are.
 *
 * <p>A future fails at most one sweep period after its deadline. Safe from any thread.
 */
final class RequestDeadlines {
  /** How often pending requests are checked while there are any. */
  static final long SWEEP_PERIOD_MILLIS = 100;

  private record Pending(long deadlineNanos, CompletableFuture<?> future) {}

  private final long timeoutNanos;
  private final LongSupplier nanoClock;
  private final Executor sweeps;
  private final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean sweepScheduled = new AtomicBoolean();

  /**
   * @param sweeps runs a sweep some {@link #SWEEP_PERIOD_MILLIS} after it is handed one
   */
  RequestDeadlines(long timeoutNanos, LongSupplier nanoClock, Executor sweeps) {
    this.timeoutNanos = timeoutNanos;
    this.nanoClock = nanoClock;
    this.sweeps = sweeps;
  }

  /** Returns {@code f}, which fails with a {@link TimeoutException} if not done in time. */
  <T> CompletableFuture<T> within(CompletableFuture<T> f) {
    if (f.isDone()) {
      return f;
    }
    pending.add(new Pending(nanoClock.getAsLong() + timeoutNanos, f));
    if (sweepScheduled.compareAndSet(false, true)) {
      sweeps.execute(this::sweep);
    }
    return f;
  }

  /** Fails the expired requests and forgets the done ones at the head; then schedules the next. */
  void sweep() {
    long now = nanoClock.getAsLong();
    Pending p;
    while ((p = pending.peek()) != null && (p.future().isDone() || p.deadlineNanos() <= now)) {
      pending.poll();
      if (!p.future().isDone()) {
        // Only for the expired: an exception fills in its stack trace, most requests end in time.
        p.future().completeExceptionally(new TimeoutException("request timed out"));
      }
    }
    sweepScheduled.set(false);
    // A request added after the loop above but before the flag was cleared scheduled nothing.
    if (!pending.isEmpty() && sweepScheduled.compareAndSet(false, true)) {
      sweeps.execute(this::sweep);
    }
  }

  /** Requests still watched (done ones behind a pending one included). */
  int pendingCount() {
    return pending.size();
  }
}
