package io.synod.raft;

import io.synod.common.Assert;

/**
 * The append requests sent to one follower and not yet acknowledged, as a bounded window: at most
 * {@code countMax} messages and {@code bytesMax} bytes (a single message may overshoot the byte
 * limit, so a large entry is never stuck). The leader stops sending when the window is full and
 * frees slots as acknowledgements arrive, in order. Not thread-safe; leader-owned.
 */
final class Inflights {
  private final int countMax;
  private final long bytesMax;
  private final long[] lastIndexes;
  private final long[] sizes;
  private int start;
  private int count;
  private long bytes;

  Inflights(int countMax, long bytesMax) {
    Assert.that(countMax > 0 && bytesMax > 0, "inflight limits must be positive");
    this.countMax = countMax;
    this.bytesMax = bytesMax;
    this.lastIndexes = new long[countMax];
    this.sizes = new long[countMax];
  }

  /**
   * Records a message whose last entry is {@code lastIndex} and whose entries total {@code size}.
   */
  void add(long lastIndex, long size) {
    Assert.that(!isFull(), "inflight window overflow");
    if (count > 0) {
      Assert.that(
          lastIndex > lastIndexes[(start + count - 1) % countMax], "inflights out of order");
    }
    int slot = (start + count) % countMax;
    lastIndexes[slot] = lastIndex;
    sizes[slot] = size;
    count++;
    bytes += size;
  }

  /** Frees every message whose last index is at most {@code index}. */
  void freeLessOrEqual(long index) {
    while (count > 0 && lastIndexes[start] <= index) {
      bytes -= sizes[start];
      start = (start + 1) % countMax;
      count--;
    }
    if (count == 0) {
      start = 0;
    }
  }

  /** Frees the oldest message, to probe a follower whose acknowledgements may have been lost. */
  void freeFirst() {
    if (count > 0) {
      freeLessOrEqual(lastIndexes[start]);
    }
  }

  boolean isFull() {
    return count == countMax || bytes >= bytesMax;
  }

  int count() {
    return count;
  }

  long bytes() {
    return bytes;
  }

  void reset() {
    start = 0;
    count = 0;
    bytes = 0;
  }
}
