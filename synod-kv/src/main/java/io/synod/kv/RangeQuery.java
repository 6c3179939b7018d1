package io.synod.kv;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Evaluates a {@link RangeRequest} against an {@link MvccStore} with etcd's exact rules (etcd
 * {@code applierV3backend.Range}):
 *
 * <ul>
 *   <li>a revision above the current one is {@code FUTURE_REVISION}; 0 or less reads the current
 *       one; below the compaction point is {@code COMPACTED} (exactly at it still reads);
 *   <li>{@code count} is the number of keys in the range at that revision, ignoring {@code limit}
 *       and the min/max filters;
 *   <li>the min/max mod/create filters (0 = off) and the sort apply to the whole range before
 *       {@code limit}; {@code more} says the filtered, sorted result had more than {@code limit};
 *   <li>sort order NONE with a target other than KEY sorts ASCEND; ties keep key order;
 *   <li>{@code count_only} returns the count, no kvs and {@code more=false}; {@code keys_only}
 *       leaves values out. The header revision is the current revision, even for historical reads.
 * </ul>
 *
 * <p>Stateless; runs on the caller's (the replica loop's) thread.
 */
final class RangeQuery {
  private RangeQuery() {}

  /** Runs {@code r} with {@code currentRevision} as "now" (inside a Txn, the Txn's revision). */
  static KvResponse run(MvccStore store, RangeRequest r, long currentRevision) {
    Optional<KvError> error = store.checkReadable(r.revision(), currentRevision);
    if (error.isPresent()) {
      return new KvResponse.Error(error.get());
    }
    long rev = r.revision() <= 0 ? currentRevision : r.revision();
    if (r.countOnly()) {
      long[] count = {0};
      store.scan(r.key(), r.rangeEnd(), rev, v -> count[0]++);
      return new KvResponse.Range(currentRevision, List.of(), false, count[0]);
    }
    RangeRequest.SortOrder order = effectiveOrder(r);
    boolean keyOrder =
        order == RangeRequest.SortOrder.NONE
            || (order == RangeRequest.SortOrder.ASCEND
                && r.sortTarget() == RangeRequest.SortTarget.KEY);
    if (keyOrder && !hasFilters(r)) {
      return inKeyOrder(store, r, rev, currentRevision);
    }
    return filteredAndSorted(store, r, rev, currentRevision, order);
  }

  /** The common case: results in key order, so only the first {@code limit} are built. */
  private static KvResponse inKeyOrder(
      MvccStore store, RangeRequest r, long rev, long currentRevision) {
    long limit = r.limit() > 0 ? r.limit() : Long.MAX_VALUE;
    List<KeyValue> kvs = new ArrayList<>();
    long[] count = {0};
    store.scan(
        r.key(),
        r.rangeEnd(),
        rev,
        v -> {
          if (count[0]++ < limit) {
            kvs.add(toKeyValue(v, r.keysOnly()));
          }
        });
    return new KvResponse.Range(currentRevision, kvs, count[0] > limit, count[0]);
  }

  private static KvResponse filteredAndSorted(
      MvccStore store,
      RangeRequest r,
      long rev,
      long currentRevision,
      RangeRequest.SortOrder order) {
    List<Version> matched = new ArrayList<>();
    long[] count = {0};
    store.scan(
        r.key(),
        r.rangeEnd(),
        rev,
        v -> {
          count[0]++;
          if (passesFilters(r, v)) {
            matched.add(v);
          }
        });
    if (order != RangeRequest.SortOrder.NONE) {
      Comparator<Version> by = comparator(r.sortTarget());
      // List.sort is stable: equal elements keep key order, whatever the direction.
      matched.sort(order == RangeRequest.SortOrder.DESCEND ? by.reversed() : by);
    }
    boolean more = r.limit() > 0 && matched.size() > r.limit();
    int n = more ? (int) r.limit() : matched.size();
    List<KeyValue> kvs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      kvs.add(toKeyValue(matched.get(i), r.keysOnly()));
    }
    return new KvResponse.Range(currentRevision, kvs, more, count[0]);
  }

  static RangeRequest.SortOrder effectiveOrder(RangeRequest r) {
    if (r.sortOrder() == RangeRequest.SortOrder.NONE
        && r.sortTarget() != RangeRequest.SortTarget.KEY) {
      return RangeRequest.SortOrder.ASCEND;
    }
    return r.sortOrder();
  }

  private static boolean hasFilters(RangeRequest r) {
    return r.minModRevision() != 0
        || r.maxModRevision() != 0
        || r.minCreateRevision() != 0
        || r.maxCreateRevision() != 0;
  }

  private static boolean passesFilters(RangeRequest r, Version v) {
    return (r.maxModRevision() == 0 || v.modRevision <= r.maxModRevision())
        && (r.minModRevision() == 0 || v.modRevision >= r.minModRevision())
        && (r.maxCreateRevision() == 0 || v.createRevision <= r.maxCreateRevision())
        && (r.minCreateRevision() == 0 || v.createRevision >= r.minCreateRevision());
  }

  private static Comparator<Version> comparator(RangeRequest.SortTarget target) {
    return switch (target) {
      case KEY -> (a, b) -> a.key.compareTo(b.key);
      case VERSION -> Comparator.comparingLong(v -> v.version);
      case CREATE -> Comparator.comparingLong(v -> v.createRevision);
      case MOD -> Comparator.comparingLong(v -> v.modRevision);
      case VALUE -> (a, b) -> a.value.compareTo(b.value);
    };
  }

  private static KeyValue toKeyValue(Version v, boolean keysOnly) {
    KeyValue kv = v.toKeyValue();
    return keysOnly ? kv.withoutValue() : kv;
  }
}
