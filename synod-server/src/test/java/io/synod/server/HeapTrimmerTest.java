package io.synod.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HeapTrimmerTest {
  private static final long MIB = 1L << 20;
  private static final long SECOND = 1_000_000_000L;

  private final HeapTrimmer.Policy policy = new HeapTrimmer.Policy(Duration.ofSeconds(2));

  @Test
  void trimsOnceWhenTheMemberGoesIdleAfterWorkWithSlackInTheHeap() {
    assertThat(policy.observe(0, 100, 2_000 * MIB, 600 * MIB)).isFalse(); // baseline
    assertThat(policy.observe(SECOND, 250, 2_000 * MIB, 600 * MIB)).isFalse(); // working
    assertThat(policy.observe(2 * SECOND, 250, 2_000 * MIB, 600 * MIB)).isFalse(); // idle 1 s
    assertThat(policy.observe(3 * SECOND, 250, 2_000 * MIB, 600 * MIB)).isTrue(); // idle 2 s
    // Still idle: no second cycle, whatever the heap shows.
    assertThat(policy.observe(4 * SECOND, 250, 2_000 * MIB, 600 * MIB)).isFalse();
    assertThat(policy.observe(60 * SECOND, 250, 2_000 * MIB, 600 * MIB)).isFalse();
  }

  @Test
  void aStartedButNeverBusyMemberIsLeftAlone() {
    for (int s = 0; s < 30; s++) {
      assertThat(policy.observe(s * SECOND, 7, 2_000 * MIB, 10 * MIB)).isFalse();
    }
  }

  @Test
  void workRestartsTheIdleClock() {
    policy.observe(0, 1, 1_000 * MIB, 100 * MIB);
    policy.observe(SECOND, 2, 1_000 * MIB, 100 * MIB);
    assertThat(policy.observe(2 * SECOND + SECOND / 2, 3, 1_000 * MIB, 100 * MIB)).isFalse();
    assertThat(policy.observe(4 * SECOND, 3, 1_000 * MIB, 100 * MIB)).isFalse(); // idle 1.5 s
    assertThat(policy.observe(4 * SECOND + SECOND / 2, 3, 1_000 * MIB, 100 * MIB)).isTrue();
  }

  @Test
  void aHeapCloseToItsUseIsNotWorthACycle() {
    policy.observe(0, 1, 0, 0);
    policy.observe(SECOND, 2, 700 * MIB, 600 * MIB); // 100 MiB free, but under a quarter
    assertThat(policy.observe(3 * SECOND, 2, 700 * MIB, 600 * MIB)).isFalse();
    policy.observe(4 * SECOND, 3, 200 * MIB, 140 * MIB); // 30 % free, but under 64 MiB
    assertThat(policy.observe(6 * SECOND, 3, 200 * MIB, 140 * MIB)).isFalse();
    policy.observe(7 * SECOND, 4, 800 * MIB, 600 * MIB); // 200 MiB and 25 % free
    assertThat(policy.observe(9 * SECOND, 4, 800 * MIB, 600 * MIB)).isTrue();
  }

  @Test
  void doesNothingInAJvmWhereSystemGcStopsTheWorld() {
    // The test JVM runs without -XX:+ExplicitGCInvokesConcurrent: no timer thread, no trims.
    try (HeapTrimmer trimmer = HeapTrimmer.start(() -> System.nanoTime())) {
      assertThat(trimmer.trims()).isZero();
      assertThat(Thread.getAllStackTraces().keySet())
          .noneMatch(t -> t.getName().startsWith("synod-heap-trim"));
    }
  }
}
