package io.synod.lincheck;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The configurations a {@link PartitionSearch} has entered: which operations are linearized, and
 * the model state after them. Holds the current linearized set as two bitsets, one over completed
 * operations and one over unknown ones. Confined to its search.
 *
 * <p>Lowe's memo (2017, §3) remembers each (linearized set, state) pair: the rest of the search
 * depends on nothing else, so entering a pair again cannot succeed where the first visit did not.
 * Unknown operations get a stronger rule, which matters because each of them multiplies the pairs:
 * a configuration is not entered if one with the same completed operations and the same state, but
 * a <em>subset</em> of its unknown operations, was. Any way to finish from the larger configuration
 * also finishes from the smaller one, since an unknown operation is never required, has no return
 * event that could block others, and is still available there. So for each (completed set, state)
 * the memo keeps the minimal unknown sets entered, and an unknown operation that changed nothing,
 * or whose effect was later overwritten, does not make a configuration new.
 */
final class Memo<S> {
  private final long[] completed;
  private final long[] unknown;

  /** Zobrist hash of {@link #completed}, kept up to date by {@link #flip}. */
  private long completedHash;

  /** For each (completed set, state) entered: the minimal unknown sets it was entered with. */
  private final Map<Key, List<long[]>> entered = new LinkedHashMap<>();

  Memo(int completedCount, int unknownCount) {
    this.completed = new long[(completedCount + 63) / 64];
    this.unknown = new long[(unknownCount + 63) / 64];
  }

  /** Adds the operation in {@code slot} of its kind to the current set, or removes it. */
  void flip(int slot, boolean isUnknown) {
    long[] bits = isUnknown ? unknown : completed;
    bits[slot >>> 6] ^= 1L << slot;
    if (!isUnknown) {
      completedHash ^= zobrist(slot);
    }
  }

  /**
   * Records the current set with {@code state} and returns true, unless an entered configuration
   * dominates it (same completed set and state, subset of its unknown operations).
   */
  boolean tryEnter(S state) {
    Key probe = new Key(completed, state, completedHash);
    List<long[]> minimal = entered.get(probe);
    if (minimal == null) {
      minimal = new ArrayList<>(1);
      entered.put(new Key(completed.clone(), state, completedHash), minimal);
    } else {
      for (long[] earlier : minimal) {
        if (isSubset(earlier, unknown)) {
          return false;
        }
      }
      // The new set is smaller than any earlier superset of it: those can never prune anything
      // that it does not.
      minimal.removeIf(earlier -> isSubset(unknown, earlier));
    }
    minimal.add(unknown.clone());
    return true;
  }

  private static boolean isSubset(long[] small, long[] large) {
    for (int w = 0; w < small.length; w++) {
      if ((small[w] & ~large[w]) != 0) {
        return false;
      }
    }
    return true;
  }

  /** Zobrist-style hash of one member of a set (SplitMix64's finalizer). */
  private static long zobrist(int slot) {
    long z = (slot + 1L) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** A memo key. Holds its bitset by reference: the probe shares the live one, stored keys copy. */
  private static final class Key {
    private final long[] completed;
    private final Object state;
    private final int hash;

    Key(long[] completed, Object state, long completedHash) {
      this.completed = completed;
      this.state = state;
      this.hash = 31 * Long.hashCode(completedHash) + state.hashCode();
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Key k
          && hash == k.hash
          && Arrays.equals(completed, k.completed)
          && state.equals(k.state);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
