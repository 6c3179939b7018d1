package io.synod.raft;

import java.util.Map;

/**
 * A point-in-time view of one node, for observability, tests and the simulator's checkers. {@code
 * progress} is empty unless the node leads.
 */
public record Status(
    long id,
    long term,
    long vote,
    Role role,
    long leaderId,
    long commit,
    long applied,
    long firstIndex,
    long lastIndex,
    ConfState confState,
    long leadTransferee,
    Map<Long, ProgressView> progress,
    long ignoredMessages) {}
