package io.synod.raft;

import io.synod.common.Bytes;
import java.util.List;

/**
 * The bodies of Raft messages. Terms, senders and receivers travel in the {@link Envelope}. Every
 * body is an immutable record, so the simulator can deliver one twice without the two copies
 * interfering.
 */
public sealed interface RaftMessage {

  /**
   * A candidate asks for a vote (Raft §5.2), or in a pre-vote round (thesis §9.6) asks whether it
   * would get one, without raising anyone's term. {@code transfer} marks an election that a leader
   * started by {@link TimeoutNow}, which voters grant even while they still hear from a leader.
   */
  record VoteRequest(boolean preVote, long lastIndex, long lastTerm, boolean transfer)
      implements RaftMessage {}

  /**
   * A voter's answer to a {@link VoteRequest}. It also tells the candidate how far the voter knows
   * the log to be committed ({@code commitIndex}, whose entry has {@code commitTerm}). A candidate
   * holding that same entry may take the index as committed (by Log Matching its prefix is the
   * committed one). This matters with membership changes, which apply only once committed: a voter
   * that missed the commit of its new configuration would otherwise campaign in the old one, and
   * could wait forever for the vote of a member that has left.
   */
  record VoteResponse(boolean preVote, boolean granted, long commitIndex, long commitTerm)
      implements RaftMessage {}

  /**
   * The leader's AppendEntries (Raft §5.3): {@code entries} follow the entry at {@code prevIndex}
   * whose term is {@code prevTerm}; {@code commit} is the leader's commit index.
   *
   * <p>{@code quiet}: an append with no entries that only tells a follower in steady replication
   * the new commit index. A follower whose log matches does not answer it: it already acknowledged
   * everything up to {@code prevIndex} when those entries came (a rejection is still sent). That is
   * two messages fewer per commit in a 3-member cluster. If the earlier acknowledgement was lost,
   * the leader finds out at the next heartbeat response, which makes it probe with an append the
   * follower must answer.
   */
  record AppendRequest(
      long prevIndex, long prevTerm, List<Entry> entries, long commit, boolean quiet)
      implements RaftMessage {
    public AppendRequest {
      entries = List.copyOf(entries);
      if (!entries.isEmpty()) {
        quiet = false; // entries always need their acknowledgement
      }
    }

    /** An append the follower answers. */
    public AppendRequest(long prevIndex, long prevTerm, List<Entry> entries, long commit) {
      this(prevIndex, prevTerm, entries, commit, false);
    }

    /**
     * Whether the entries follow {@code prevIndex} without gaps, with terms that never go down; the
     * network may deliver anything.
     */
    boolean entriesAreContiguous() {
      long expected = prevIndex + 1;
      long lastTerm = prevTerm;
      for (Entry e : entries) {
        if (e.index() != expected || e.term() < lastTerm) {
          return false;
        }
        expected++;
        lastTerm = e.term();
      }
      return true;
    }

    @Override
    public String toString() {
      return "AppendRequest(prev="
          + prevTerm
          + "/"
          + prevIndex
          + " commit="
          + commit
          + (quiet ? " quiet" : "")
          + " entries="
          + entries
          + ")";
    }
  }

  /**
   * A follower's answer to an {@link AppendRequest}, sent only after the entries are durable. On
   * success {@code index} is the highest index known to match the leader's log. On rejection {@code
   * index} is the rejected {@code prevIndex}, and {@code hintIndex}/{@code hintTerm} name the
   * follower's last entry at or below it whose term is at most the rejected {@code prevTerm}, so
   * the leader can skip a whole term of mismatched entries in one round trip.
   */
  record AppendResponse(boolean success, long index, long hintIndex, long hintTerm)
      implements RaftMessage {
    public static AppendResponse accept(long index) {
      return new AppendResponse(true, index, 0, 0);
    }
  }

  /**
   * The leader's heartbeat. {@code commit} is at most what the follower is known to hold. A nonzero
   * {@code readRound} asks the follower to confirm leadership for ReadIndex round {@code
   * readRound}.
   */
  record HeartbeatRequest(long commit, long readRound) implements RaftMessage {}

  /** A follower's answer to a heartbeat, echoing its read round. */
  record HeartbeatResponse(long readRound) implements RaftMessage {}

  /**
   * One chunk of a snapshot. Chunks are sent in order; {@code offset} is the chunk's position in
   * the snapshot's data and {@code totalBytes} the data's length. The follower installs the
   * snapshot once it holds every byte.
   */
  record SnapshotChunk(SnapshotMeta meta, long totalBytes, long offset, Bytes data)
      implements RaftMessage {
    boolean isLast() {
      return offset + data.size() == totalBytes;
    }

    @Override
    public String toString() {
      return "SnapshotChunk(index="
          + meta.index()
          + " term="
          + meta.term()
          + " offset="
          + offset
          + " bytes="
          + data.size()
          + "/"
          + totalBytes
          + ")";
    }
  }

  /**
   * A follower's answer to a {@link SnapshotChunk}: it holds the first {@code nextOffset} bytes of
   * the snapshot at {@code snapshotIndex} (0 if it holds none, which makes the leader start over).
   * Once the snapshot is installed the follower answers with an {@link AppendResponse} instead.
   */
  record SnapshotChunkResponse(long snapshotIndex, long nextOffset) implements RaftMessage {}

  /** The leader hands over leadership: the receiver starts an election at once (thesis §3.10). */
  record TimeoutNow() implements RaftMessage {}

  /** A follower forwards a linearizable read to its leader. */
  record ReadIndexRequest(long requestId) implements RaftMessage {}

  /**
   * The leader's answer: the read {@code requestId} may be served once {@code index} is applied.
   */
  record ReadIndexResponse(long requestId, long index) implements RaftMessage {}
}
