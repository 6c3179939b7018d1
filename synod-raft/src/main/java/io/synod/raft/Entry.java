package io.synod.raft;

import io.synod.common.Assert;
import io.synod.common.Bytes;

/**
 * One Raft log entry. {@code index} is its position in the log (1-based), {@code term} the leader's
 * term when it was appended. A {@link EntryType#NORMAL} entry carries an application command (empty
 * for the no-op a new leader appends); a {@link EntryType#CONF_CHANGE} entry carries an encoded
 * {@link ConfChange}.
 */
public record Entry(long term, long index, EntryType type, Bytes data) {
  /** Bytes an entry costs beyond its payload, for batch and flow-control limits. */
  public static final int OVERHEAD_BYTES = 24;

  public Entry {
    Assert.that(term >= 0 && index >= 0, "negative term or index");
  }

  public static Entry normal(long term, long index, Bytes data) {
    return new Entry(term, index, EntryType.NORMAL, data);
  }

  /** The size this entry counts for in batch and flow-control limits. */
  public long sizeBytes() {
    return (long) data.size() + OVERHEAD_BYTES;
  }

  @Override
  public String toString() {
    return term + "/" + index + " " + (type == EntryType.CONF_CHANGE ? confToString() : data);
  }

  /** Printing must not fail, whatever the entry holds. */
  private String confToString() {
    try {
      return "conf " + ConfChange.decode(data);
    } catch (IllegalArgumentException malformed) {
      return "conf malformed " + data;
    }
  }
}
