package io.synod.raft;

/**
 * A released linearizable read: the request {@code requestId} may be served from local state once
 * this node has applied up to {@code index}. The leader released it only after confirming its
 * leadership with a quorum after the request arrived (Raft thesis §6.4).
 */
public record ReadState(long requestId, long index) {}
