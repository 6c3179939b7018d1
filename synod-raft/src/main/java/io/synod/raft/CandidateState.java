package io.synod.raft;

import java.util.TreeMap;

/** What a (pre-)candidate keeps: the votes received in this campaign. */
final class CandidateState {
  final boolean preVote;
  final TreeMap<Long, Boolean> votes = new TreeMap<>();

  CandidateState(boolean preVote) {
    this.preVote = preVote;
  }
}
