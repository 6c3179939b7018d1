package io.synod.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The simulator's promise: a seed is a complete description of a run. */
class DeterminismSimTest {

  @Test
  void sameSeedGivesTheSameTraceHash() {
    SimResult first = new Simulation(424242, 0, Set.of()).run();
    // Another seed in between: nothing may leak from one run into the next.
    new Simulation(7, 0, Set.of()).run();
    SimResult second = new Simulation(424242, 0, Set.of()).run();

    assertThat(second.traceHash()).isEqualTo(first.traceHash());
    assertThat(second.events()).isEqualTo(first.events());
    assertThat(second.ops()).isEqualTo(first.ops());
    assertThat(second.failure()).isEqualTo(first.failure());
  }

  @Test
  void sameSeedGivesTheSameRunWithLeasesWatchesAndCompaction() {
    // Seed 639 draws leases, three watchers with slow sinks, and periodic compaction.
    SimResult first = new Simulation(639, 0, Set.of()).run();
    SimResult second = new Simulation(639, 0, Set.of()).run();

    assertThat(first.options()).contains("watchers=3").doesNotContain("lease=0.00");
    assertThat(second.traceHash()).isEqualTo(first.traceHash());
    assertThat(second.events()).isEqualTo(first.events());
    assertThat(second.ops()).isEqualTo(first.ops());
  }

  @Test
  void differentSeedsGiveDifferentRuns() {
    SimResult a = new Simulation(1001, 3, Set.of()).run();
    SimResult b = new Simulation(1002, 3, Set.of()).run();

    assertThat(a.traceHash()).isNotEqualTo(b.traceHash());
  }

  @Test
  void aRunDoesWorkAndChecksIt() {
    SimResult r = new Simulation(31337, 3, Set.of()).run();

    assertThat(r.failure()).isEmpty();
    assertThat(r.events()).isGreaterThan(1000);
    assertThat(r.ops()).isGreaterThan(10);
  }
}
