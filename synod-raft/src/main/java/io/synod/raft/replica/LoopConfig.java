package io.synod.raft.replica;

import io.synod.common.Assert;

/**
 * Knobs of a {@link ReplicaLoop}.
 *
 * @param snapshotEntries take a state-machine snapshot every this many applied entries
 * @param retainEntries keep this many entries behind a snapshot, so slightly slow followers catch
 *     up from the log rather than by snapshot
 * @param pendingProposalsMax the most proposals awaiting their outcome; more are refused as busy
 * @param pendingReadsMax the most reads awaiting confirmation or apply
 * @param readTimeoutTicks a read not confirmed within this many ticks is answered with retry
 * @param snapshotLogPercent a snapshot also waits until the entries applied since the last one add
 *     up to this percentage of the state machine's image ({@link
 *     StateMachine#imageBytesEstimate()}); 0 leaves the decision to {@code snapshotEntries} alone.
 *     At 100, writing images costs at most about one byte per byte of log, however large the state
 *     grows, and a restart replays at most about an image's worth of log.
 */
public record LoopConfig(
    long snapshotEntries,
    long retainEntries,
    int pendingProposalsMax,
    int pendingReadsMax,
    int readTimeoutTicks,
    long snapshotLogPercent) {
  public LoopConfig {
    Assert.that(
        snapshotEntries > 0 && retainEntries >= 0 && snapshotLogPercent >= 0, "bad snapshot knobs");
    Assert.that(
        pendingProposalsMax > 0 && pendingReadsMax > 0 && readTimeoutTicks > 0, "bad limits");
  }

  /** Knobs whose snapshots follow the entry count alone. */
  public LoopConfig(
      long snapshotEntries,
      long retainEntries,
      int pendingProposalsMax,
      int pendingReadsMax,
      int readTimeoutTicks) {
    this(snapshotEntries, retainEntries, pendingProposalsMax, pendingReadsMax, readTimeoutTicks, 0);
  }

  public static LoopConfig defaults() {
    return new LoopConfig(10_000, 5_000, 65_536, 65_536, 50);
  }
}
