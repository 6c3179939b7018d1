package io.synod.raft;

import io.synod.common.Bytes;
import io.synod.raft.RaftMessage.SnapshotChunk;
import java.util.ArrayList;
import java.util.List;

/**
 * The leader's side of one snapshot transfer: the snapshot goes out in chunks of {@code
 * chunkBytes}, at most {@code windowChunks} unacknowledged at once. A lost chunk is resent from the
 * last acknowledged offset after {@code resendTicks} heartbeat ticks without progress. A follower
 * that lost what it had received answers with an earlier offset, and the next resend starts there
 * instead, unless a later answer shows progress.
 */
final class SnapshotSender {
  private final Snapshot snapshot;
  private final int chunkBytes;
  private final int windowChunks;
  private final int resendTicks;
  private long ackedOffset;
  private long sentOffset;

  /** The last chunk is out (a zero-length snapshot has one empty chunk). */
  private boolean sentLast;

  private int idleTicks;

  /** The lowest answer below {@code ackedOffset} since the last progress, or -1 for none. */
  private long lowestAnswer = -1;

  SnapshotSender(Snapshot snapshot, int chunkBytes, int windowChunks, int resendTicks) {
    this.snapshot = snapshot;
    this.chunkBytes = chunkBytes;
    this.windowChunks = windowChunks;
    this.resendTicks = resendTicks;
  }

  SnapshotMeta meta() {
    return snapshot.meta();
  }

  /** The chunks the window allows now. */
  List<SnapshotChunk> nextChunks() {
    List<SnapshotChunk> out = new ArrayList<>();
    Bytes data = snapshot.data();
    while (!sentLast && sentOffset - ackedOffset < (long) chunkBytes * windowChunks) {
      int from = (int) sentOffset;
      int to = (int) Math.min(data.size(), sentOffset + chunkBytes);
      SnapshotChunk chunk =
          new SnapshotChunk(snapshot.meta(), data.size(), from, data.slice(from, to));
      out.add(chunk);
      sentOffset = to;
      sentLast = chunk.isLast();
    }
    return out;
  }

  /** The follower holds the first {@code nextOffset} bytes. */
  void onAck(long nextOffset) {
    if (nextOffset > ackedOffset && nextOffset <= snapshot.data().size()) {
      idleTicks = 0;
      lowestAnswer = -1;
      ackedOffset = nextOffset;
      sentOffset = Math.max(sentOffset, nextOffset);
    } else if (nextOffset >= 0 && nextOffset < ackedOffset) {
      // A delayed answer, overtaken by later ones, looks just like a follower that lost what it
      // had received. Rewinding at once would resend a window for every delayed answer, and each
      // resent chunk draws another answer that may be delayed in turn: with reordering the
      // traffic grows without bound. So the rewind waits for the next resend.
      lowestAnswer = lowestAnswer < 0 ? nextOffset : Math.min(lowestAnswer, nextOffset);
    }
  }

  /** Counts a heartbeat tick; returns whether the unacknowledged chunks should be resent. */
  boolean onHeartbeatTick() {
    idleTicks++;
    if (idleTicks < resendTicks) {
      return false;
    }
    idleTicks = 0;
    rewindTo(lowestAnswer < 0 ? ackedOffset : Math.min(lowestAnswer, ackedOffset));
    lowestAnswer = -1;
    return true;
  }

  private void rewindTo(long offset) {
    ackedOffset = offset;
    sentOffset = offset;
    sentLast = false;
  }
}
