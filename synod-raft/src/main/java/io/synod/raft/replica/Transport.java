package io.synod.raft.replica;

import io.synod.raft.Envelope;

/**
 * Carries Raft messages to other replicas. Best effort: it may drop, delay, duplicate or reorder
 * them, and must never block the replica loop that calls it.
 */
public interface Transport {
  void send(Envelope envelope);
}
