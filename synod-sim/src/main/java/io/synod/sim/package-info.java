/**
 * The deterministic simulator: whole clusters of the real replica loop on one thread in virtual
 * time, with a disk model that loses unsynced writes on a crash, a lossy reordering network with
 * partitions, process kills and pauses, operators changing membership, and clients whose histories
 * the linearizability checker judges. Every random choice comes from one seed, folded into a trace
 * hash, so a seed replays exactly ({@code bin/synod-sim --seeds 1 --first-seed S --trace}).
 */
package io.synod.sim;
