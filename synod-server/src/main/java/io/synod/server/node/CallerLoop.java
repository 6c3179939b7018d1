package io.synod.server.node;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The Netty event loop the calling thread runs, if it runs one. Work that arrived on an event loop
 * (a gRPC call of a non-blocking service, a peer's forwarded call, an HTTP/1.1 request) is answered
 * on that event loop: the replica loop hands the completion straight to it. Through the completion
 * pool instead, each answer woke a pool thread, which then woke the event loop to write it: one
 * more thread wake-up per request, 50–250 µs each on a loaded 2-core machine
 * (docs/design/server.md).
 *
 * <p>What runs there must never block, as anything on an event loop. Netty tells which loop a
 * thread runs through {@code io.netty.util.internal.ThreadExecutorMap} (there since 4.1.37; every
 * {@code SingleThreadEventExecutor} sets it): an internal class, so if a Netty upgrade drops it,
 * this stops compiling rather than silently answering through the pool.
 */
public final class CallerLoop {
  private CallerLoop() {}

  /** The calling thread's event loop, or null if it runs none. */
  public static Executor current() {
    EventExecutor loop = ThreadExecutorMap.currentExecutor();
    return loop != null && loop.inEventLoop() ? loop : null;
  }

  /**
   * The calling thread's event loop, or {@code fallback} if it runs none. Work the event loop
   * refuses because it is shutting down goes to {@code fallback}, so the executor is safe to use
   * from the replica loop's thread, which must never fail on a closing connection.
   */
  public static Executor currentOr(Executor fallback) {
    Executor loop = current();
    if (loop == null) {
      return fallback;
    }
    return task -> {
      try {
        loop.execute(task);
      } catch (RejectedExecutionException shutDown) {
        fallback.execute(task);
      }
    };
  }
}
