package io.synod.raft.replica;

import io.synod.common.Bytes;
import io.synod.raft.Entry;
import io.synod.raft.SnapshotMeta;
import java.util.function.Supplier;

/**
 * The replicated application. {@link #apply} must be a pure function of the state and the entry:
 * every replica applies the same entries in the same order and must reach the same state. Time
 * reaches it only through fields the leader wrote into an entry.
 *
 * <p>Confined to the replica loop's thread.
 */
public interface StateMachine {
  /**
   * Applies a committed entry and returns the result for its proposer. Called for every entry in
   * log order: normal commands, the empty entry each new leader appends, and membership changes
   * (which Raft has already applied to its configuration).
   */
  Bytes apply(Entry entry);

  /** An image of the state as of the last applied entry. */
  Bytes snapshot();

  /**
   * Captures the state as of the last applied entry and returns what writes its image: the same
   * bytes {@link #snapshot()} would return now, however the state changes afterwards. The loop
   * calls this and hands the result to {@link io.synod.raft.LogStore#saveSnapshot(long,
   * io.synod.raft.ConfState, Supplier)}, which may call it later on another thread, so a state
   * machine that can capture cheaply keeps the serialization off the loop. The supplier must then
   * be safe to call from any thread. The default serializes at once.
   */
  default Supplier<Bytes> captureSnapshot() {
    Bytes image = snapshot();
    return () -> image;
  }

  /**
   * Roughly how many bytes {@link #snapshot()} would return now, cheaply (no image is built); 0 if
   * unknown. The loop weighs it against the log applied since the last snapshot ({@link
   * LoopConfig#snapshotLogPercent()}): an image of a large state every few thousand small entries
   * would spend most of the disk's bandwidth and a core on snapshots.
   */
  default long imageBytesEstimate() {
    return 0;
  }

  /**
   * Replaces the whole state with a snapshot's image ({@code data} is empty for the initial state).
   */
  void restore(SnapshotMeta meta, Bytes data);
}
