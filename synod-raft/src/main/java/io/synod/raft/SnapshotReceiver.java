package io.synod.raft;

import io.synod.common.Bytes;
import io.synod.raft.RaftMessage.SnapshotChunk;

/**
 * A follower's side of one snapshot transfer: chunks are accepted strictly in order into a buffer
 * sized for the whole snapshot. Anything out of order is answered with the offset expected, so the
 * leader resends from there.
 */
final class SnapshotReceiver {
  /** The largest snapshot that fits one buffer; a larger one is refused. */
  static final long BYTES_MAX = Integer.MAX_VALUE - 16;

  private final SnapshotMeta meta;
  private final long leaderTerm;
  private final byte[] buffer;
  private int received;

  SnapshotReceiver(SnapshotMeta meta, long totalBytes, long leaderTerm) {
    this.meta = meta;
    this.leaderTerm = leaderTerm;
    this.buffer = new byte[(int) totalBytes];
  }

  /** Whether {@code chunk}, sent in {@code term}, belongs to this transfer. */
  boolean isFor(SnapshotChunk chunk, long term) {
    return term == leaderTerm && chunk.meta().equals(meta) && chunk.totalBytes() == buffer.length;
  }

  /** Takes the chunk if it is the next one; returns the number of bytes now held either way. */
  long accept(SnapshotChunk chunk) {
    if (chunk.offset() == received && received + (long) chunk.data().size() <= buffer.length) {
      chunk.data().copyTo(buffer, received);
      received += chunk.data().size();
    }
    return received;
  }

  boolean isComplete() {
    return received == buffer.length;
  }

  Snapshot snapshot() {
    // The receiver is dropped once complete, so the buffer can be handed over without a copy.
    return new Snapshot(meta, Bytes.wrapOwned(buffer));
  }

  long snapshotIndex() {
    return meta.index();
  }
}
