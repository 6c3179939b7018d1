package io.synod.server;

import io.synod.common.Bytes;
import io.synod.raft.Entry;
import io.synod.raft.SnapshotMeta;
import io.synod.raft.replica.StateMachine;

/**
 * The state machine {@code bin/synod} runs until synod-kv's {@code KvStateMachine} is plugged in:
 * it applies every entry and keeps nothing (it answers every command with empty bytes). Lets the
 * server run real clusters (elections, replication, restarts) before the etcd services exist.
 */
public final class PlaceholderStateMachine implements StateMachine {
  @Override
  public Bytes apply(Entry entry) {
    return Bytes.EMPTY;
  }

  @Override
  public Bytes snapshot() {
    return Bytes.EMPTY;
  }

  @Override
  public void restore(SnapshotMeta meta, Bytes data) {}
}
