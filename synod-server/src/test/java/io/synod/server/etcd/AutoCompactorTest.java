package io.synod.server.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.server.GoDuration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class AutoCompactorTest {
  private static final long MINUTE = 60_000;

  private static AutoCompactor.Policy policy(String mode, String retention) {
    return AutoCompactor.Policy.of(mode, retention, r -> GoDuration.parseMillis("", r));
  }

  @Test
  void flagsParseLikeEtcd() {
    assertThat(policy("periodic", "1")).isEqualTo(new AutoCompactor.Policy.Periodic(60 * MINUTE));
    assertThat(policy("periodic", "30m")).isEqualTo(new AutoCompactor.Policy.Periodic(30 * MINUTE));
    assertThat(policy("periodic", "0")).isEqualTo(new AutoCompactor.Policy.Off());
    assertThat(policy("revision", "1000")).isEqualTo(new AutoCompactor.Policy.Revisions(1000));
    assertThat(policy("revision", "0")).isEqualTo(new AutoCompactor.Policy.Off());
  }

  @Test
  void offNeverCompacts() {
    AutoCompactor c = new AutoCompactor(new AutoCompactor.Policy.Off(), 0);
    for (long t = 0; t < 1000 * MINUTE; t += MINUTE) {
      assertThat(c.tick(t, t)).isEmpty();
    }
  }

  @Test
  void revisionModeKeepsTheLastNRevisionsEveryFiveMinutes() {
    AutoCompactor c = new AutoCompactor(new AutoCompactor.Policy.Revisions(10), 0);
    assertThat(c.tick(4 * MINUTE, 100)).isEmpty();
    assertThat(c.tick(5 * MINUTE, 100)).hasValue(90);
    assertThat(c.tick(6 * MINUTE, 200)).isEmpty(); // not due yet
    assertThat(c.tick(10 * MINUTE, 100)).isEmpty(); // same target as last time
    assertThat(c.tick(15 * MINUTE, 150)).hasValue(140);
    AutoCompactor young = new AutoCompactor(new AutoCompactor.Policy.Revisions(10), 0);
    assertThat(young.tick(5 * MINUTE, 10)).isEmpty(); // nothing older than the last 10
  }

  /** Ticks every minute with the revision growing by one per minute from 2; returns (t, rev). */
  private static List<long[]> run(AutoCompactor c, long minutes) {
    List<long[]> out = new ArrayList<>();
    for (long m = 0; m <= minutes; m++) {
      OptionalLong rev = c.tick(m * MINUTE, m + 2);
      if (rev.isPresent()) {
        out.add(new long[] {m, rev.getAsLong()});
      }
    }
    return out;
  }

  @Test
  void periodicModeCompactsToTheRevisionOfOneRetentionAgo() {
    List<long[]> hourly =
        run(new AutoCompactor(new AutoCompactor.Policy.Periodic(60 * MINUTE), 0), 180);
    assertThat(hourly).extracting(a -> a[0]).containsExactly(60L, 120L, 180L);
    // At each compaction the oldest kept sample is exactly one retention old (11 samples, one
    // every 6 minutes): etcd's "revs[0] is always the rev at period ago".
    assertThat(hourly).extracting(a -> a[1]).containsExactly(2L, 62L, 122L);
    List<long[]> half =
        run(new AutoCompactor(new AutoCompactor.Policy.Periodic(30 * MINUTE), 0), 90);
    assertThat(half).extracting(a -> a[0]).containsExactly(30L, 60L, 90L);
    assertThat(half).extracting(a -> a[1]).containsExactly(2L, 32L, 62L);
  }
}
