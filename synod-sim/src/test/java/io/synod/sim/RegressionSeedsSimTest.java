package io.synod.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every seed that ever found a bug runs again on every build (regression-seeds.txt). */
class RegressionSeedsSimTest {

  static Stream<Arguments> seeds() throws IOException {
    List<Arguments> out = new ArrayList<>();
    try (InputStream in =
        RegressionSeedsSimTest.class.getResourceAsStream("/regression-seeds.txt")) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      for (String line : text.split("\n")) {
        String body = line.replaceAll("#.*", "").strip();
        if (body.isEmpty()) {
          continue;
        }
        String[] words = body.split("\\s+");
        long seed = Long.parseLong(words[0]);
        int nodes = 0;
        for (int i = 1; i < words.length; i++) {
          if (words[i].equals("--nodes") && i + 1 < words.length) {
            nodes = Integer.parseInt(words[++i]);
          } else {
            throw new IllegalArgumentException("regression-seeds.txt: unknown flag " + words[i]);
          }
        }
        out.add(Arguments.of(seed, nodes));
      }
    }
    assertThat(out).as("regression seeds").isNotEmpty();
    return out.stream();
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void regressionSeedPasses(long seed, int nodes) {
    SimResult r = new Simulation(seed, nodes, Set.of()).run();

    assertThat(r.failure())
        .as("seed %d (replay: bin/synod-sim --seeds 1 --first-seed %d --trace)", seed, seed)
        .isEmpty();
  }
}
