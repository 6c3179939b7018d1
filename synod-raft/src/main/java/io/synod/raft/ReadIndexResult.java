package io.synod.raft;

/** What became of a request for a linearizable read. */
public enum ReadIndexResult {
  /**
   * Queued: a {@link ReadState} with the request's id will appear in a {@link Ready} unless
   * leadership changes first, in which case the caller should retry.
   */
  ACCEPTED,
  /** No leader is known; retry after an election. */
  NO_LEADER,
  /** Too many reads are waiting; retry later. */
  BUSY
}
