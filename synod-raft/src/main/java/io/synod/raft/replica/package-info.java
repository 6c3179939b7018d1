/**
 * The replica loop: the deterministic glue between a {@link io.synod.raft.RaftNode}, its {@link
 * io.synod.raft.LogStore}, a {@link io.synod.raft.replica.StateMachine} and a {@link
 * io.synod.raft.replica.Transport}. It handles each Ready in the order Raft requires (persist,
 * sync, send, apply, advance), answers proposers with values that keep "definitely not applied"
 * apart from "maybe applied", serves linearizable reads once their read index is applied, and takes
 * snapshots. Free of threads and clocks: production drives it from one thread per replica, the
 * simulator from its event loop.
 */
package io.synod.raft.replica;
