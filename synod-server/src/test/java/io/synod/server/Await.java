package io.synod.server;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a bound, polling (no fixed sleeps standing in for timing). */
public final class Await {
  private Await() {}

  /** Polls {@code condition} until it holds; fails after {@code limit} with {@code what}. */
  public static void until(Duration limit, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + limit + " waiting for: " + what);
      }
      pause();
    }
  }

  /** Polls {@code value} until it is non-null; returns it. */
  public static <T> T value(Duration limit, String what, Supplier<T> value) {
    long deadline = System.nanoTime() + limit.toNanos();
    T v;
    while ((v = value.get()) == null) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + limit + " waiting for: " + what);
      }
      pause();
    }
    return v;
  }

  private static void pause() {
    try {
      Thread.sleep(10);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
