package io.synod.bench;

import io.synod.storage.WalWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * An experiment, not the log's design: one thread does every {@link WalWriter#sync} and wakes
 * exactly the appenders whose tickets that fsync covered. It prototypes a fix for the writer's own
 * group commit, where each fsync's end wakes every waiting appender ({@code signalAll}) and all of
 * them, plus the syncing thread itself, then queue on the writer's one lock.
 *
 * <pre>
 *   appender:  ticket = append(..) ─▶ enqueue(ticket, me) ─▶ park until released
 *   flusher:   loop { take all queued; sync(highest ticket); release each of them }
 * </pre>
 *
 * Only the flusher calls {@code sync}, so no appender ever waits on the writer's condition. Every
 * wait is bounded by {@code deadlineNanos}.
 *
 * <p>Thread-safe: {@link #awaitDurable} from any appender thread; {@link #run} on one thread.
 */
final class SyncFlusher {
  private static final long PARK_NANOS_MAX = TimeUnit.MILLISECONDS.toNanos(10);

  private final WalWriter wal;
  private final long deadlineNanos;
  private final ConcurrentLinkedQueue<Waiter> queue = new ConcurrentLinkedQueue<>();
  private volatile Thread flusher;
  private volatile boolean stopped;

  /** One appender waiting for its ticket. */
  private static final class Waiter {
    final long ticket;
    final Thread thread = Thread.currentThread();
    volatile boolean released;

    Waiter(long ticket) {
      this.ticket = ticket;
    }
  }

  SyncFlusher(WalWriter wal, long deadlineNanos) {
    this.wal = wal;
    this.deadlineNanos = deadlineNanos;
  }

  /** Returns once {@code ticket} is durable. */
  void awaitDurable(long ticket) {
    Waiter w = new Waiter(ticket);
    queue.add(w);
    LockSupport.unpark(flusher);
    while (!w.released) {
      checkDeadline();
      LockSupport.parkNanos(this, PARK_NANOS_MAX);
    }
  }

  /** The flusher's loop; returns after {@link #stop}, or throws past the deadline. */
  void run() {
    flusher = Thread.currentThread();
    List<Waiter> batch = new ArrayList<>();
    while (!stopped) {
      checkDeadline();
      Waiter w;
      while ((w = queue.poll()) != null) {
        batch.add(w);
      }
      if (batch.isEmpty()) {
        LockSupport.parkNanos(this, PARK_NANOS_MAX);
        continue;
      }
      long target = 0;
      for (Waiter b : batch) {
        target = Math.max(target, b.ticket);
      }
      wal.sync(target);
      for (Waiter b : batch) {
        b.released = true;
        LockSupport.unpark(b.thread);
      }
      batch.clear();
    }
  }

  void stop() {
    stopped = true;
    LockSupport.unpark(flusher);
  }

  private void checkDeadline() {
    if (System.nanoTime() - deadlineNanos > 0) {
      throw new IllegalStateException("sync flusher still busy past its deadline");
    }
  }
}
