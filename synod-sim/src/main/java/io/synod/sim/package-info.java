/**
 * The deterministic simulator: whole clusters of the real replica loop and key-value state machine
 * on one thread in virtual time, with a disk model that loses unsynced writes on a crash, a lossy
 * reordering network with partitions, process kills and pauses, operators changing membership,
 * key-value, Txn, lease and watch clients, and checkers: Raft's safety properties after every
 * event, every answer and watch event against the committed history ({@code ReferenceKv}), lease
 * expiry against acknowledged keep-alives, and client histories by the linearizability checker.
 * Every random choice comes from one seed, folded into a trace hash, so a seed replays exactly
 * ({@code bin/synod-sim --seeds 1 --first-seed S --trace}).
 */
package io.synod.sim;
