package io.synod.raft;

/**
 * A Raft message in transit: the group it belongs to (many groups may share one transport), sender,
 * receiver, the sender's term and the body. Transports may drop, delay, duplicate and reorder
 * envelopes; Raft tolerates all of it.
 */
public record Envelope(long groupId, long from, long to, long term, RaftMessage body) {
  @Override
  public String toString() {
    return from + "->" + to + " t" + term + " " + body;
  }
}
