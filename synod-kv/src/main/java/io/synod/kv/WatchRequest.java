package io.synod.kv;

import io.synod.common.Bytes;

/**
 * etcd's WatchCreateRequest. {@code startRevision} 0 means "from the next revision"; a past
 * revision replays history (inclusive); a future one waits. {@code watchId} 0 lets the hub pick
 * one.
 */
public record WatchRequest(
    Bytes key,
    Bytes rangeEnd,
    long startRevision,
    boolean progressNotify,
    boolean noPut,
    boolean noDelete,
    boolean prevKv,
    long watchId,
    boolean fragment) {}
