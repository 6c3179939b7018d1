package io.synod.raft;

/** A snapshot of the leader's view of one member, for status and tests. */
public record ProgressView(
    long match, long next, ProgressState state, boolean learner, boolean recentActive) {}
