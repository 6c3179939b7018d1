package io.synod.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * One run of the etcd load generator, as its JSON line shows it.
 *
 * @param unsupported the target's answer when it rejected the workload as UNIMPLEMENTED; empty if
 *     the workload ran
 * @param seconds the measured window's length
 * @param ops operations completed in the window (for watch: events received)
 * @param errors operations that failed in the window
 * @param retries CAS attempts beyond the first, summed over the window's operations
 * @param latency the operations' latency (watch: put send to event receipt)
 * @param putLatency watch only: the puts' own latency; {@link Latency#NONE} otherwise
 * @param figures the workload's own counts (watch: watchers, events)
 * @param cpu this process's and the machine's CPU over the window
 */
record LoadResult(
    LoadSpec spec,
    String target,
    List<String> endpoints,
    String unsupported,
    double seconds,
    long ops,
    long errors,
    long retries,
    Latency latency,
    Latency putLatency,
    Map<String, Long> errorCodes,
    String firstError,
    Map<String, Long> figures,
    CpuMeter.Usage cpu) {

  static LoadResult unsupported(
      LoadSpec spec, String target, List<String> endpoints, String answer) {
    return new LoadResult(
        spec,
        target,
        endpoints,
        answer,
        0,
        0,
        0,
        0,
        Latency.NONE,
        Latency.NONE,
        Map.of(),
        "",
        Map.of(),
        new CpuMeter.Usage(-1, -1, -1, -1));
  }

  boolean supported() {
    return unsupported.isEmpty();
  }

  double throughput() {
    return seconds > 0 ? ops / seconds : 0;
  }

  /** The run as one JSON object (a line of the generator's output). */
  Json toJson() {
    Json j =
        new Json()
            .put("workload", spec.workload().cliName())
            .put("target", target)
            .put("endpoints", String.join(",", endpoints))
            .put("clients", spec.clients())
            .put("conns", spec.conns())
            .put("keys", spec.keys())
            .put("value_size", spec.valueBytes())
            .put("loop", spec.openLoop() ? "open" : "closed")
            .put("rate", spec.ratePerSecond())
            .put("warmup_s", spec.warmupSeconds());
    if (!supported()) {
      return j.raw("unsupported", "true").put("note", unsupported);
    }
    j.put("seconds", seconds)
        .put("ops", ops)
        .put("errors", errors)
        .put("retries", retries)
        .put("throughput", throughput());
    latency.addTo(j, "");
    j.put("mean_us", latency.meanMicros());
    if (putLatency.count() > 0) {
      j.put("put_ops", putLatency.count());
      putLatency.addTo(j, "put_");
    }
    figures.forEach((k, v) -> j.put(k, v.longValue()));
    j.put("error_codes", errorCodes);
    if (!firstError.isEmpty()) {
      j.put("first_error", firstError);
    }
    return j.put("cpu_bench_pct", cpu.processPercent())
        .put("cpu_machine_pct", cpu.machinePercent());
  }

  /** Latency percentiles in microseconds. */
  record Latency(
      long count,
      double meanMicros,
      long p50Micros,
      long p90Micros,
      long p99Micros,
      long p999Micros,
      long maxMicros) {
    static final Latency NONE = new Latency(0, 0, 0, 0, 0, 0, 0);

    /** From a histogram of nanoseconds. */
    static Latency of(Histogram h) {
      if (h.getTotalCount() == 0) {
        return NONE;
      }
      return new Latency(
          h.getTotalCount(),
          h.getMean() / 1000,
          micros(h.getValueAtPercentile(50)),
          micros(h.getValueAtPercentile(90)),
          micros(h.getValueAtPercentile(99)),
          micros(h.getValueAtPercentile(99.9)),
          micros(h.getMaxValue()));
    }

    private static long micros(long nanos) {
      return Math.round(nanos / 1000.0);
    }

    void addTo(Json j, String prefix) {
      j.put(prefix + "p50_us", p50Micros)
          .put(prefix + "p90_us", p90Micros)
          .put(prefix + "p99_us", p99Micros)
          .put(prefix + "p999_us", p999Micros)
          .put(prefix + "max_us", maxMicros);
    }

    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "p50 %d µs, p99 %d µs, p99.9 %d µs, max %d µs",
          p50Micros,
          p99Micros,
          p999Micros,
          maxMicros);
    }
  }
}
