package io.synod.raft.interaction;

import io.synod.raft.Envelope;
import io.synod.raft.MemoryLogStore;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One node of an {@link InteractionEnv}: its durable store, the volatile {@link RaftNode} built on
 * it, its state machine and the messages delivered to it but not yet stepped.
 */
final class ScriptedReplica {
  final long id;
  final RaftConfig cfg;
  final long seed;
  MemoryLogStore store;
  CountingRandom random;
  RaftNode node;
  ScriptStateMachine stateMachine = new ScriptStateMachine();
  final List<Envelope> inbox = new ArrayList<>();
  int restarts;

  ScriptedReplica(RaftConfig cfg, MemoryLogStore store, long seed) {
    this.id = cfg.id();
    this.cfg = cfg;
    this.seed = seed;
    this.store = store;
    start();
  }

  /**
   * Builds the volatile node from the store, as a process does when it (re)starts: the state
   * machine comes back as of the store's snapshot and the node hands out later committed entries
   * again.
   */
  void start() {
    random = new CountingRandom(seed * 1_000 + restarts);
    node = new RaftNode(cfg, store, random);
    stateMachine = new ScriptStateMachine();
    stateMachine.restore(store.snapshot());
  }

  /** What a change report compares: role, term, leader and membership. */
  record View(String role, long term, long lead, String conf) {}

  View view() {
    return new View(
        TraceFormat.role(node.role()), node.term(), node.leaderId(), node.confState().toString());
  }
}
