package io.synod.common;

/**
 * The only source of time in Synod's core. Production passes {@link SystemClock}; the simulator
 * passes a virtual clock that it advances itself, so a seed replays exactly.
 *
 * <p>Implementations must be safe to call from the thread that owns the core; the system clock is
 * safe from any thread.
 */
public interface Clock {
  /** Monotonic nanoseconds from an arbitrary origin; never goes backwards within one process. */
  long monotonicNanos();

  /**
   * Milliseconds since the Unix epoch, as the wall clock says; may jump. Never use it to order
   * events.
   */
  long wallMillis();
}
