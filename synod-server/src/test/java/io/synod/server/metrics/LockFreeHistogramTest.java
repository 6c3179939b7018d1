package io.synod.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import org.junit.jupiter.api.Test;

class LockFreeHistogramTest {
  @Test
  void bucketsAreInclusiveUpperBoundsAndCountMatchesInf() {
    LockFreeHistogram h = new LockFreeHistogram("x_seconds", "help", new double[] {1, 2, 4});
    for (double v : new double[] {0.5, 1, 1.5, 2, 3, 4, 5, 100, Double.NaN}) {
      h.observe(v);
    }
    HistogramSnapshot s = (HistogramSnapshot) h.collect();
    HistogramSnapshot.HistogramDataPointSnapshot p = s.getDataPoints().get(0);
    ClassicHistogramBuckets b = p.getClassicBuckets();
    assertThat(b.size()).isEqualTo(4);
    assertThat(b.getUpperBound(3)).isEqualTo(Double.POSITIVE_INFINITY);
    // Per-bucket counts: (..1] = 0.5, 1; (1..2] = 1.5, 2; (2..4] = 3, 4; (4..] = 5, 100.
    assertThat(new long[] {b.getCount(0), b.getCount(1), b.getCount(2), b.getCount(3)})
        .containsExactly(2, 2, 2, 2);
    assertThat(p.getCount()).isEqualTo(8);
    assertThat(p.getSum()).isEqualTo(0.5 + 1 + 1.5 + 2 + 3 + 4 + 5 + 100);
  }

  @Test
  void refusesUnorderedBounds() {
    assertThatThrownBy(() -> new LockFreeHistogram("x", "h", new double[] {2, 1}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
