package io.synod.kv;

import io.synod.common.Bytes;

/**
 * etcd's RangeRequest. {@code rangeEnd} empty means the single key; {@code \0} means every key from
 * {@code key} on. {@code revision} 0 reads the current revision. Filters with 0 are off.
 */
public record RangeRequest(
    Bytes key,
    Bytes rangeEnd,
    long limit,
    long revision,
    SortOrder sortOrder,
    SortTarget sortTarget,
    boolean serializable,
    boolean keysOnly,
    boolean countOnly,
    long minModRevision,
    long maxModRevision,
    long minCreateRevision,
    long maxCreateRevision) {

  public enum SortOrder {
    NONE,
    ASCEND,
    DESCEND
  }

  public enum SortTarget {
    KEY,
    VERSION,
    CREATE,
    MOD,
    VALUE
  }

  /** All of {@code [key, rangeEnd)} at the current revision, sorted by key. */
  public static RangeRequest of(Bytes key, Bytes rangeEnd) {
    return new RangeRequest(
        key, rangeEnd, 0, 0, SortOrder.NONE, SortTarget.KEY, false, false, false, 0, 0, 0, 0);
  }

  /** The single key {@code key}. */
  public static RangeRequest single(Bytes key) {
    return of(key, Bytes.EMPTY);
  }
}
