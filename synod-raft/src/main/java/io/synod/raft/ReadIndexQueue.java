package io.synod.raft;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The leader's linearizable reads in flight (Raft thesis §6.4). A read goes through three stages:
 *
 * <pre>
 *   awaiting commit ──(an entry of this term commits)──▶ unconfirmed ──(flush: new round,
 *   heartbeat to all)──▶ awaiting quorum ──(a quorum echoes a round ≥ ours)──▶ released
 * </pre>
 *
 * <p>Its read index is the commit index when it leaves the first stage: every write acknowledged
 * before the read arrived is at or below it. Reads that arrive between two flushes share one round,
 * so one heartbeat confirms them all. Leader-owned; dropped when leadership ends.
 */
final class ReadIndexQueue {
  /** A read request from {@code from} (the leader itself or a follower that forwarded it). */
  record PendingRead(long from, long requestId, long index, long round) {}

  private final ArrayDeque<PendingRead> awaitingCommit = new ArrayDeque<>();
  private final List<PendingRead> unconfirmed = new ArrayList<>();
  private final ArrayDeque<PendingRead> awaitingQuorum = new ArrayDeque<>();
  private long lastRound;

  int size() {
    return awaitingCommit.size() + unconfirmed.size() + awaitingQuorum.size();
  }

  /** Queues a read; {@code committedInTerm} says whether its index is known yet. */
  void add(long from, long requestId, boolean committedInTerm, long committed) {
    if (committedInTerm) {
      unconfirmed.add(new PendingRead(from, requestId, committed, 0));
    } else {
      awaitingCommit.add(new PendingRead(from, requestId, 0, 0));
    }
  }

  /**
   * The leader committed an entry of its term: waiting reads get the commit index as read index.
   */
  void onCommittedInTerm(long committed) {
    while (!awaitingCommit.isEmpty()) {
      PendingRead r = awaitingCommit.poll();
      unconfirmed.add(new PendingRead(r.from(), r.requestId(), committed, 0));
    }
  }

  boolean hasUnconfirmed() {
    return !unconfirmed.isEmpty();
  }

  /** Starts a new round for the unconfirmed reads and returns its number. */
  long startRound() {
    lastRound++;
    for (PendingRead r : unconfirmed) {
      awaitingQuorum.add(new PendingRead(r.from(), r.requestId(), r.index(), lastRound));
    }
    unconfirmed.clear();
    return lastRound;
  }

  /** The newest round that still waits for confirmation, or 0. */
  long roundToConfirm() {
    return awaitingQuorum.isEmpty() ? 0 : lastRound;
  }

  long lastRound() {
    return lastRound;
  }

  /** Removes and returns every read whose round is at most {@code confirmedRound}. */
  List<PendingRead> release(long confirmedRound) {
    List<PendingRead> out = new ArrayList<>();
    while (!awaitingQuorum.isEmpty() && awaitingQuorum.peek().round() <= confirmedRound) {
      out.add(awaitingQuorum.poll());
    }
    return out;
  }

  /** Removes and returns every read that has a read index, unconfirmed (planted bug only). */
  List<PendingRead> releaseUnconfirmed() {
    List<PendingRead> out = new ArrayList<>(unconfirmed);
    unconfirmed.clear();
    return out;
  }
}
