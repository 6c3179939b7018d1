package io.synod.raft;

/**
 * What a snapshot covers: the log up to and including {@code index}, whose entry had {@code term},
 * and the membership in force once that entry was applied. {@code index == 0} means no snapshot.
 */
public record SnapshotMeta(long index, long term, ConfState confState) {
  public static final SnapshotMeta EMPTY = new SnapshotMeta(0, 0, ConfState.EMPTY);

  public boolean isEmpty() {
    return index == 0;
  }
}
