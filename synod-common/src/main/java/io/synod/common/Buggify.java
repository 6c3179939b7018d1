package io.synod.common;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Fault points that fire only in simulation, after FoundationDB's BUGGIFY.
 *
 * <p>Code asks {@code buggify.fires("site")} where a legal but unusual choice could be made: a tiny
 * batch, a delayed snapshot, a slow apply. In production the instance is {@link #OFF} and never
 * fires. In simulation each site is switched on for the whole run with probability {@code
 * activationProbability} the first time it is reached, and an active site then fires with {@code
 * fireProbability}. Every draw comes from the seeded generator, so a seed replays exactly.
 *
 * <p>Not thread-safe: owned by the single thread that drives the core.
 */
public final class Buggify {
  /** The production instance: never fires, draws nothing. */
  public static final Buggify OFF = new Buggify(null, 0, 0);

  private final RandomGenerator random;
  private final double activationProbability;
  private final double fireProbability;
  private final Map<String, Boolean> activeSites = new LinkedHashMap<>();

  private Buggify(RandomGenerator random, double activationProbability, double fireProbability) {
    this.random = random;
    this.activationProbability = activationProbability;
    this.fireProbability = fireProbability;
  }

  /** Returns an instance that fires at random, drawing from {@code random}. */
  public static Buggify enabled(
      RandomGenerator random, double activationProbability, double fireProbability) {
    Assert.that(activationProbability >= 0 && activationProbability <= 1, "bad activation");
    Assert.that(fireProbability >= 0 && fireProbability <= 1, "bad fire probability");
    return new Buggify(random, activationProbability, fireProbability);
  }

  public boolean isEnabled() {
    return random != null;
  }

  /** Returns whether the fault point named {@code site} fires now. */
  public boolean fires(String site) {
    if (random == null) {
      return false;
    }
    boolean active =
        activeSites.computeIfAbsent(site, s -> random.nextDouble() < activationProbability);
    return active && random.nextDouble() < fireProbability;
  }

  /** Returns {@code normal}, or when the site fires, a value drawn uniformly from [low, high]. */
  public long pick(String site, long normal, long low, long high) {
    if (!fires(site)) {
      return normal;
    }
    return low + random.nextLong(high - low + 1);
  }
}
