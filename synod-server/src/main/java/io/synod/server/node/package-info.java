/**
 * Running a replica loop in production: one thread per loop, bounded inboxes, a real clock that
 * ticks Raft, futures for proposals and reads, and forwarding of proposals to the leader.
 * Invariant: only the runner's thread touches its {@link io.synod.raft.replica.ReplicaLoop}; no
 * future is completed on that thread.
 */
package io.synod.server.node;
