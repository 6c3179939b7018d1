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
 */
public record LoopConfig(
    long snapshotEntries,
    long retainEntries,
    int pendingProposalsMax,
    int pendingReadsMax,
    int readTimeoutTicks) {
  public LoopConfig {
    Assert.that(snapshotEntries > 0 && retainEntries >= 0, "bad snapshot knobs");
    Assert.that(
        pendingProposalsMax > 0 && pendingReadsMax > 0 && readTimeoutTicks > 0, "bad limits");
  }

  public static LoopConfig defaults() {
    return new LoopConfig(10_000, 5_000, 65_536, 65_536, 50);
  }
}
