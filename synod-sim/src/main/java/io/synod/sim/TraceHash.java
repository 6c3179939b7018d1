package io.synod.sim;

/**
 * A running 64-bit hash of everything a simulation does. Two runs of the same seed must end with
 * the same value; a difference means something escaped the seed (a clock, a hash-ordered
 * collection, an unseeded random draw).
 */
final class TraceHash {
  private long value = 0x6A09E667F3BCC909L;

  void fold(long x) {
    value = mix(value ^ x);
  }

  void fold(long a, long b, long c, long d) {
    fold(a);
    fold(b);
    fold(c);
    fold(d);
  }

  long value() {
    return value;
  }

  /** The SplitMix64 finalizer: a cheap bijective mixer with good avalanche. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
