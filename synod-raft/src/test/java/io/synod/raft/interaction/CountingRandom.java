package io.synod.raft.interaction;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * A node's seeded randomness that counts its draws. {@link io.synod.raft.RaftNode} draws exactly
 * when it resets its election timer, so {@code tick-election} can tick a follower until its timer
 * fires, whatever random timeout the seed chose.
 */
final class CountingRandom implements RandomGenerator {
  private final SplittableRandom delegate;
  private long draws;

  CountingRandom(long seed) {
    this.delegate = new SplittableRandom(seed);
  }

  long draws() {
    return draws;
  }

  @Override
  public long nextLong() {
    draws++;
    return delegate.nextLong();
  }

  @Override
  public int nextInt() {
    draws++;
    return delegate.nextInt();
  }

  @Override
  public int nextInt(int bound) {
    draws++;
    return delegate.nextInt(bound);
  }
}
