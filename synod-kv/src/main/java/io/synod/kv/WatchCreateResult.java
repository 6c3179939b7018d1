package io.synod.kv;

/**
 * What {@link WatchStream#create} answered. The API edge sends etcd's {@code created} response for
 * either: {@link Created} with the watcher's id and the store revision at creation; {@link
 * Rejected} as {@code created+canceled} with {@code watch_id -1} and the reason.
 */
public sealed interface WatchCreateResult {
  record Created(long watchId, long revision) implements WatchCreateResult {}

  /** etcd's reasons: {@link WatchStream#DUPLICATE_ID} or {@link WatchStream#EMPTY_RANGE}. */
  record Rejected(String reason) implements WatchCreateResult {}
}
