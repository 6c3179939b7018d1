package io.synod.storage;

import java.util.Locale;
import java.util.Optional;

/**
 * A segment's file name, {@code <sequence>-<first index>.wal} in 16 hex digits each (etcd's
 * layout): names sort in sequence order.
 */
public record SegmentName(long sequence, long firstIndex) {
  public static final String SUFFIX = ".wal";

  public String fileName() {
    return String.format(Locale.ROOT, "%016x-%016x%s", sequence, firstIndex, SUFFIX);
  }

  /** Parses a segment file name; empty for any other name. */
  public static Optional<SegmentName> parse(String name) {
    if (!name.endsWith(SUFFIX) || name.length() != 33 + SUFFIX.length()) {
      return Optional.empty();
    }
    try {
      long seq = Long.parseUnsignedLong(name.substring(0, 16), 16);
      if (name.charAt(16) != '-') {
        return Optional.empty();
      }
      long first = Long.parseUnsignedLong(name.substring(17, 33), 16);
      return Optional.of(new SegmentName(seq, first));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
