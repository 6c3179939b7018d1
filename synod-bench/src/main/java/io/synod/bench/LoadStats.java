package io.synod.bench;

import io.grpc.Status;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What one load run counts, written by many network threads at once: latencies in HdrHistogram
 * recorders (nanoseconds, three significant digits), errors by gRPC status code, CAS retries, and
 * whether the target rejected the workload as unimplemented. {@link #startWindow} discards what the
 * warm-up recorded. Thread-safe.
 */
final class LoadStats {
  static final long LATENCY_NANOS_MAX = TimeUnit.SECONDS.toNanos(300);

  /** The workload's latency: the operation's, or for watch, put to event. */
  private final Recorder primary = new Recorder(LATENCY_NANOS_MAX, 3);

  /** For watch only: the put's own latency. */
  private final Recorder secondary = new Recorder(LATENCY_NANOS_MAX, 3);

  private final LongAdder errors = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final Map<String, LongAdder> errorCodes = new ConcurrentHashMap<>();
  private final AtomicReference<String> firstError = new AtomicReference<>("");
  private final AtomicReference<String> unimplemented = new AtomicReference<>("");

  void recordPrimary(long nanos) {
    primary.recordValue(clamp(nanos));
  }

  void recordSecondary(long nanos) {
    secondary.recordValue(clamp(nanos));
  }

  void retried(long count) {
    if (count > 0) {
      retries.add(count);
    }
  }

  /** Counts a failed operation; an UNIMPLEMENTED answer also marks the workload unsupported. */
  void error(Throwable t) {
    Status s = Unary.statusOf(t);
    String described = describe(s);
    if (s.getCode() == Status.Code.UNIMPLEMENTED) {
      unimplemented.compareAndSet("", described);
    }
    errors.increment();
    errorCodes.computeIfAbsent(s.getCode().name(), k -> new LongAdder()).increment();
    firstError.compareAndSet("", described);
  }

  /** The target's UNIMPLEMENTED answer, or empty while the workload is supported. */
  String unsupported() {
    return unimplemented.get();
  }

  void markUnsupported(String why) {
    unimplemented.compareAndSet("", why);
  }

  /** Forgets everything counted so far: the warm-up's figures. */
  void startWindow() {
    primary.reset();
    secondary.reset();
    errors.reset();
    retries.reset();
    errorCodes.clear();
    firstError.set("");
  }

  /** What was counted since {@link #startWindow}; recording goes on into a new interval. */
  Window takeWindow() {
    Histogram p = primary.getIntervalHistogram();
    Histogram s = secondary.getIntervalHistogram();
    Map<String, Long> codes = new TreeMap<>();
    errorCodes.forEach((k, v) -> codes.put(k, v.sum()));
    return new Window(p, s, errors.sum(), retries.sum(), codes, firstError.get());
  }

  record Window(
      Histogram primary,
      Histogram secondary,
      long errors,
      long retries,
      Map<String, Long> errorCodes,
      String firstError) {}

  static String describe(Status s) {
    String d = s.getDescription();
    if (d == null && s.getCause() != null) {
      d = s.getCause().toString();
    }
    return s.getCode().name() + (d == null ? "" : ": " + d);
  }

  private static long clamp(long nanos) {
    return Math.min(Math.max(nanos, 0), LATENCY_NANOS_MAX);
  }
}
