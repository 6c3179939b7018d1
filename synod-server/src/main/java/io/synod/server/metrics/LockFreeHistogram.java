package io.synod.server.metrics;

import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.Arrays;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A classic Prometheus histogram whose {@link #observe} never waits: one {@link LongAdder} per
 * bucket and a {@link DoubleAdder} for the sum, so the replica loop and the fsyncing thread never
 * contend with a scrape (the client library's {@code Histogram} briefly takes a lock to buffer
 * observations while a scrape runs). A scrape may see an observation's bucket before its sum; the
 * count is the buckets' total, so {@code _count} always equals the {@code +Inf} bucket.
 *
 * <p>Thread-safe.
 */
final class LockFreeHistogram implements Collector {
  private final String name;
  private final String help;
  private final double[] bounds;
  private final LongAdder[] buckets;
  private final DoubleAdder sum = new DoubleAdder();

  /** {@code upperBounds} ascending, without {@code +Inf} (added). */
  LockFreeHistogram(String name, String help, double[] upperBounds) {
    this.name = name;
    this.help = help;
    this.bounds = Arrays.copyOf(upperBounds, upperBounds.length + 1);
    this.bounds[upperBounds.length] = Double.POSITIVE_INFINITY;
    for (int i = 1; i < bounds.length; i++) {
      if (!(bounds[i] > bounds[i - 1])) {
        throw new IllegalArgumentException("upper bounds must ascend");
      }
    }
    this.buckets = new LongAdder[bounds.length];
    for (int i = 0; i < buckets.length; i++) {
      buckets[i] = new LongAdder();
    }
  }

  /** Records one value (NaN is ignored). */
  void observe(double value) {
    if (Double.isNaN(value)) {
      return;
    }
    int i = 0;
    while (value > bounds[i]) {
      i++;
    }
    buckets[i].increment();
    sum.add(value);
  }

  @Override
  public String getPrometheusName() {
    return name;
  }

  @Override
  public MetricSnapshot collect() {
    long[] counts = new long[buckets.length];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = buckets[i].sum();
    }
    return HistogramSnapshot.builder()
        .name(name)
        .help(help)
        .dataPoint(
            HistogramSnapshot.HistogramDataPointSnapshot.builder()
                .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts))
                .sum(sum.sum())
                .build())
        .build();
  }
}
