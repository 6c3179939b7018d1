package io.synod.raft;

import io.synod.common.Bytes;

/** A state-machine snapshot: {@link SnapshotMeta} plus the state machine's opaque image. */
public record Snapshot(SnapshotMeta meta, Bytes data) {
  public static final Snapshot EMPTY = new Snapshot(SnapshotMeta.EMPTY, Bytes.EMPTY);

  public long index() {
    return meta.index();
  }

  public long term() {
    return meta.term();
  }

  public boolean isEmpty() {
    return meta.isEmpty();
  }
}
