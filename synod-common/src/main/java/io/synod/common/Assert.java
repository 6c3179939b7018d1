package io.synod.common;

import java.util.Locale;

/**
 * Always-on invariant checks. Java's {@code assert} is off unless the JVM is started with {@code
 * -ea}; these are not. A failed check throws {@link AssertionError}: a broken invariant stops the
 * node, because continuing would corrupt data.
 *
 * <p>Use this for the program's own invariants, never for input from the network or a client: bad
 * input gets a typed answer, not a crash.
 */
public final class Assert {
  private Assert() {}

  /** Fails with {@code message} unless {@code condition} holds. */
  public static void that(boolean condition, String message) {
    if (!condition) {
      throw new AssertionError(message);
    }
  }

  /** Fails with a formatted message unless {@code condition} holds; formats only on failure. */
  public static void that(boolean condition, String format, Object... args) {
    if (!condition) {
      throw new AssertionError(String.format(Locale.ROOT, format, args));
    }
  }

  // Numbers only: these overloads win over the varargs one, so a check on a hot path boxes nothing
  // and allocates no array when it holds (escape analysis does not always remove them).

  /** As {@link #that(boolean, String, Object...)} with one number. */
  public static void that(boolean condition, String format, long a) {
    if (!condition) {
      throw fail(format, a);
    }
  }

  /** As {@link #that(boolean, String, Object...)} with two numbers. */
  public static void that(boolean condition, String format, long a, long b) {
    if (!condition) {
      throw fail(format, a, b);
    }
  }

  /** As {@link #that(boolean, String, Object...)} with three numbers. */
  public static void that(boolean condition, String format, long a, long b, long c) {
    if (!condition) {
      throw fail(format, a, b, c);
    }
  }

  /** As {@link #that(boolean, String, Object...)} with four numbers. */
  public static void that(boolean condition, String format, long a, long b, long c, long d) {
    if (!condition) {
      throw fail(format, a, b, c, d);
    }
  }

  /**
   * Fails unconditionally; returns an error so callers can write {@code throw Assert.fail(...)}.
   */
  public static AssertionError fail(String format, Object... args) {
    throw new AssertionError(String.format(Locale.ROOT, format, args));
  }
}
