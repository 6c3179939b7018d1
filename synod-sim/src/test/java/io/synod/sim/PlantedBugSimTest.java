package io.synod.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.raft.PlantedBug;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The simulator has teeth: with a known-wrong rule switched on, it must report a violation within a
 * bounded number of seeds. The seeds are fixed, so each case is deterministic; if a change to the
 * simulator's options makes a case need more seeds, look at why the simulator got weaker before
 * raising the bound.
 */
class PlantedBugSimTest {
  private static final long FIRST_SEED = 1000;
  private static final int SEEDS_MAX = 200;

  @ParameterizedTest
  @EnumSource(PlantedBug.class)
  void simulatorReportsThePlantedBug(PlantedBug bug) {
    Optional<SimResult> found = Optional.empty();
    for (long seed = FIRST_SEED; seed < FIRST_SEED + SEEDS_MAX && found.isEmpty(); seed++) {
      SimResult r = new Simulation(seed, 0, Set.of(bug)).run();
      if (r.failed()) {
        found = Optional.of(r);
      }
    }

    assertThat(found)
        .as("a violation with %s within %d seeds from %d", bug, SEEDS_MAX, FIRST_SEED)
        .isPresent();
  }
}
