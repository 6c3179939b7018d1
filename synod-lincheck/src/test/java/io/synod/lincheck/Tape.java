package io.synod.lincheck;

import java.util.List;

/**
 * A list of choices that jqwik generates and shrinks, read as a stream of small random numbers. A
 * generator that draws from a tape shrinks well: a shorter tape or smaller numbers give a simpler
 * history. When the tape runs out every draw is zero. Not thread-safe.
 */
final class Tape {
  private final List<Integer> choices;
  private int position;

  Tape(List<Integer> choices) {
    this.choices = List.copyOf(choices);
  }

  /** A number in {@code [0, bound)}. */
  int next(int bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be positive: " + bound);
    }
    int choice = position < choices.size() ? choices.get(position) : 0;
    position++;
    return Math.floorMod(choice, bound);
  }

  /** True once in {@code outOf} draws on average. */
  boolean oneIn(int outOf) {
    return next(outOf) == 0;
  }
}
