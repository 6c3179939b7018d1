package io.synod.storage;

import io.synod.common.Assert;
import java.nio.file.Path;
import java.util.ArrayList;

/**
 * Where each entry of a {@link FileLogStore}'s log lies in the write-ahead log, by index, so the
 * store can drop older payloads from memory and read them back from the segment files. Covers the
 * indexes {@code first() .. end() - 1}, contiguous like the log itself.
 *
 * <p>Not thread-safe; owned by its store.
 */
final class EntryLocations {

  /**
   * One entry's record: {@code recordBytes} bytes at {@code offset} of {@code segment}; the entry
   * counts {@code sizeBytes} towards batch limits ({@link io.synod.raft.Entry#sizeBytes()}).
   */
  record Location(Path segment, long offset, int recordBytes, long sizeBytes) {}

  private long first;
  private final ArrayList<Location> locations = new ArrayList<>();

  /** Locations starting at index {@code first}, none yet. */
  EntryLocations(long first) {
    this.first = first;
  }

  long first() {
    return first;
  }

  /** One past the last index located. */
  long end() {
    return first + locations.size();
  }

  Location get(long index) {
    Assert.that(
        index >= first && index < end(), "no location for %d in [%d, %d)", index, first, end());
    return locations.get((int) (index - first));
  }

  /** Locates the entry at {@code index}, dropping the locations at and after it first. */
  void put(long index, Location location) {
    Assert.that(
        index >= first && index <= end(), "location of %d outside [%d, %d]", index, first, end());
    truncateFrom(index);
    locations.add(location);
  }

  /** Forgets the locations at and after {@code index}. */
  void truncateFrom(long index) {
    if (index < end()) {
      locations.subList((int) Math.max(0, index - first), locations.size()).clear();
    }
  }

  /** Forgets the locations up to and including {@code index} (the log was compacted there). */
  void dropThrough(long index) {
    if (index < first) {
      return;
    }
    int n = (int) Math.min(locations.size(), index - first + 1);
    locations.subList(0, n).clear();
    first = index + 1;
  }

  /** Forgets every location; the next one is for {@code first}. */
  void reset(long first) {
    locations.clear();
    this.first = first;
  }
}
