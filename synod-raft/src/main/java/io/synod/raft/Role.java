package io.synod.raft;

/** A node's role in its current term. */
public enum Role {
  FOLLOWER,
  /** Campaigning in a pre-vote round (Raft thesis §9.6): the term has not been raised yet. */
  PRE_CANDIDATE,
  CANDIDATE,
  LEADER
}
