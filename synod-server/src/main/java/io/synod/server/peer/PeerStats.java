package io.synod.server.peer;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the peer transport, for observability and tests. Every dropped message is counted
 * under the reason it was dropped for. Safe from any thread.
 */
public final class PeerStats {
  final LongAdder sent = new LongAdder();
  final LongAdder received = new LongAdder();
  final LongAdder droppedQueueFull = new LongAdder();
  final LongAdder droppedDisconnected = new LongAdder();
  final LongAdder droppedUnknownMember = new LongAdder();
  final LongAdder droppedUnknownGroup = new LongAdder();
  final LongAdder droppedInboxFull = new LongAdder();
  final LongAdder malformed = new LongAdder();
  final LongAdder streamFailures = new LongAdder();

  /** Envelopes written to a peer stream. */
  public long sent() {
    return sent.sum();
  }

  /** Envelopes handed to a replica loop. */
  public long received() {
    return received.sum();
  }

  /** Outgoing envelopes dropped because the peer's queue was full. */
  public long droppedQueueFull() {
    return droppedQueueFull.sum();
  }

  /** Outgoing envelopes dropped because the peer's stream broke. */
  public long droppedDisconnected() {
    return droppedDisconnected.sum();
  }

  /** Envelopes to or from a member this node does not know. */
  public long droppedUnknownMember() {
    return droppedUnknownMember.sum();
  }

  /** Incoming envelopes for a Raft group this node does not run. */
  public long droppedUnknownGroup() {
    return droppedUnknownGroup.sum();
  }

  /** Incoming envelopes dropped because the replica loop's inbox was full. */
  public long droppedInboxFull() {
    return droppedInboxFull.sum();
  }

  /** Incoming frames or envelopes that did not decode. */
  public long malformed() {
    return malformed.sum();
  }

  /** Outgoing streams that failed (and were reopened after a backoff). */
  public long streamFailures() {
    return streamFailures.sum();
  }

  @Override
  public String toString() {
    return "sent="
        + sent()
        + " received="
        + received()
        + " dropped(queue-full="
        + droppedQueueFull()
        + " disconnected="
        + droppedDisconnected()
        + " unknown-member="
        + droppedUnknownMember()
        + " unknown-group="
        + droppedUnknownGroup()
        + " inbox-full="
        + droppedInboxFull()
        + ") malformed="
        + malformed()
        + " stream-failures="
        + streamFailures();
  }
}
