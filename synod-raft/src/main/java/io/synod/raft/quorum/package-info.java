/**
 * Quorum arithmetic for Raft, pure and immutable: the commit index a majority (or a joint pair of
 * majorities) has reached, and the outcome of an election. Checked by property tests against a
 * naive reference that tries every candidate value.
 */
package io.synod.raft.quorum;
