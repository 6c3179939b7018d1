package io.synod.bench;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The benchmark's keys, {@code bench/k/00000000} .. {@code bench/k/<keys-1>}: fixed width, so key
 * {@code i}'s order is the order of {@code i} and the keys from {@code a} to {@code b} are the
 * range [{@code key(a)}, {@code key(b)}). Immutable and thread-safe.
 */
final class KeySpace {
  static final String PREFIX = "bench/k/";
  private static final int CACHED_KEYS_MAX = 1_000_000;

  private final int keys;
  private final ByteString[] cached;
  private final ByteString value;

  KeySpace(int keys, int valueBytes, long seed) {
    this.keys = keys;
    int n = Math.min(keys, CACHED_KEYS_MAX);
    cached = new ByteString[n];
    for (int i = 0; i < n; i++) {
      cached[i] = make(i);
    }
    byte[] v = new byte[valueBytes];
    new SplittableRandom(seed).nextBytes(v);
    value = ByteString.copyFrom(v);
  }

  int size() {
    return keys;
  }

  /** Key {@code i}; {@code i == size()} is the end of the whole space (a range end). */
  ByteString key(int i) {
    return i < cached.length ? cached[i] : make(i);
  }

  ByteString random(SplittableRandom random) {
    return key(random.nextInt(keys));
  }

  /** The value every write stores (random bytes, so compression in a store cannot cheat). */
  ByteString value() {
    return value;
  }

  static ByteString make(int i) {
    return ByteString.copyFrom(
        String.format(Locale.ROOT, "%s%08d", PREFIX, i), StandardCharsets.US_ASCII);
  }
}
