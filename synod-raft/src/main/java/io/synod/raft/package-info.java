/**
 * The Raft consensus core as a pure state machine ({@link io.synod.raft.RaftNode}): it does no IO,
 * starts no thread, reads no clock and draws randomness only from the generator it is given, so the
 * simulator runs exactly the code production runs. Its invariants: at most one leader per term; a
 * node's term and commit index never go back; only entries of the leader's current term are
 * committed by counting replicas; a message that may promise durability leaves a node only after
 * the loop persisted and synced what the same {@link io.synod.raft.Ready} asked for; a membership
 * change takes effect when applied, one at a time. Bad input from the network is ignored and
 * counted, never asserted on; a failed assertion means corrupt storage or a bug, and the replica
 * must stop.
 */
package io.synod.raft;
