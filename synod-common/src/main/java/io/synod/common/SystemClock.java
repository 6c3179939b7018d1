package io.synod.common;

/** The real clock, for the production shell. The one place in the core modules that reads it. */
public final class SystemClock implements Clock {
  /** The single instance. */
  public static final SystemClock INSTANCE = new SystemClock();

  private SystemClock() {}

  @Override
  @SuppressForbidden(reason = "the production clock itself") // allowed
  public long monotonicNanos() {
    return System.nanoTime();
  }

  @Override
  @SuppressForbidden(reason = "the production clock itself") // allowed
  public long wallMillis() {
    return System.currentTimeMillis();
  }
}
