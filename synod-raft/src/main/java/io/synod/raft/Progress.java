package io.synod.raft;

import io.synod.common.Assert;

/**
 * The leader's view of one member's log (Raft §5.3, thesis §3.5): {@code match} is the highest
 * index known to be durable there, {@code next} the next index to send. Leader-owned, not
 * thread-safe.
 *
 * <p>Invariant: {@code match < next}. In {@link ProgressState#PROBE} at most one append is
 * unacknowledged; in {@link ProgressState#REPLICATE} up to the inflight window; in {@link
 * ProgressState#SNAPSHOT} nothing but the snapshot is sent.
 */
final class Progress {
  long match;
  long next;
  ProgressState state = ProgressState.PROBE;

  /** In PROBE: an append was sent and no answer or heartbeat response has come back since. */
  boolean probeSent;

  /** In SNAPSHOT: the transfer under way. */
  SnapshotSender snapshot;

  /** Whether the member was heard from since the last check-quorum round. */
  boolean recentActive;

  boolean learner;

  /** The commit index last sent to the member, so a commit advance can be told to it. */
  long sentCommit;

  /** The highest ReadIndex round the member has confirmed in this term. */
  long readRoundAcked;

  final Inflights inflights;

  Progress(long next, int inflightCountMax, long inflightBytesMax, boolean learner) {
    this.next = Math.max(next, 1);
    this.learner = learner;
    this.inflights = new Inflights(inflightCountMax, inflightBytesMax);
  }

  /** Whether the leader must wait before sending this member more entries. */
  boolean isPaused() {
    return switch (state) {
      case PROBE -> probeSent;
      case REPLICATE -> inflights.isFull();
      case SNAPSHOT -> true;
    };
  }

  void becomeProbe() {
    // After a snapshot the follower holds at least the snapshot: resume right after it.
    long resumeAt =
        state == ProgressState.SNAPSHOT
            ? Math.max(match + 1, snapshot.meta().index() + 1)
            : match + 1;
    resetState(ProgressState.PROBE);
    next = resumeAt;
  }

  void becomeReplicate() {
    resetState(ProgressState.REPLICATE);
    next = match + 1;
  }

  void becomeSnapshot(SnapshotSender sender) {
    resetState(ProgressState.SNAPSHOT);
    snapshot = sender;
  }

  private void resetState(ProgressState newState) {
    state = newState;
    probeSent = false;
    snapshot = null;
    inflights.reset();
  }

  /**
   * Records that the member holds the log up to {@code index}. Returns false if that is old news (a
   * delayed or duplicated acknowledgement).
   */
  boolean maybeUpdate(long index) {
    boolean updated = false;
    if (match < index) {
      match = index;
      updated = true;
      probeSent = false;
    }
    next = Math.max(next, index + 1);
    return updated;
  }

  /**
   * Records that entries up to {@code lastIndex} were sent. In REPLICATE the window moves on
   * optimistically; in PROBE the member is paused until it answers.
   */
  void sentEntries(long lastIndex, long bytes, int entryCount) {
    switch (state) {
      case REPLICATE -> {
        if (entryCount > 0) {
          inflights.add(lastIndex, bytes);
          next = lastIndex + 1;
        }
      }
      case PROBE -> probeSent = true;
      case SNAPSHOT -> throw Assert.fail("sending entries in snapshot state");
    }
  }

  /**
   * Handles a rejected append of {@code rejected} (its prevIndex); {@code matchHint} is where the
   * leader's log is believed to agree with the member's. Returns false if the rejection is stale.
   */
  boolean maybeDecreaseTo(long rejected, long matchHint) {
    if (state == ProgressState.REPLICATE) {
      // The rejection must be stale if the index is at or below what the member already
      // acknowledged.
      if (rejected <= match) {
        return false;
      }
      next = match + 1;
      return true;
    }
    // In PROBE only the rejection of the latest probe counts.
    if (next - 1 != rejected) {
      return false;
    }
    next = Math.max(Math.min(rejected, matchHint + 1), match + 1);
    probeSent = false;
    return true;
  }

  @Override
  public String toString() {
    StringBuilder sb =
        new StringBuilder(state.name())
            .append(" match=")
            .append(match)
            .append(" next=")
            .append(next);
    if (learner) {
      sb.append(" learner");
    }
    if (isPaused()) {
      sb.append(" paused");
    }
    if (state == ProgressState.SNAPSHOT) {
      sb.append(" snapshot=").append(snapshot.meta().index());
    }
    if (inflights.count() > 0) {
      sb.append(" inflight=").append(inflights.count());
    }
    return sb.toString();
  }
}
