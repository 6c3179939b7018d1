package io.synod.raft;

import io.synod.common.Bytes;
import java.util.List;
import java.util.function.Supplier;

/**
 * Durable Raft state of one replica: its hard state, its latest snapshot and the log entries after
 * it. Implementations: {@link MemoryLogStore} (tests), the simulator's disk model and the
 * file-backed write-ahead log; all follow this contract exactly, so simulation results hold for the
 * real store.
 *
 * <p><b>Ownership and threads.</b> One replica loop owns a store and calls it from one thread. The
 * {@link RaftNode} only reads through the query methods; only the loop writes.
 *
 * <p><b>Indexes.</b> The log holds entries {@code firstIndex() .. lastIndex()}; the entry at {@code
 * firstIndex() - 1} was compacted and only its term is known. The latest snapshot covers at least
 * the compacted entries; a few entries after a snapshot are usually kept for slow followers. An
 * empty log has {@code lastIndex() == firstIndex() - 1}. Query preconditions are the caller's duty
 * and are asserted.
 *
 * <p><b>Durability.</b> Writes take effect for queries at once but survive a crash only after
 * {@link #sync()} returns. A crash may keep any prefix of the unsynced writes, and may tear the
 * last one (an append may survive partly, as a prefix of its entries), never more. A failed write
 * or sync is fail-stop: the implementation throws and the replica must stop and recover from disk;
 * a sync is never retried.
 */
public interface LogStore {

  /** The hard state last written. */
  HardState hardState();

  /** The metadata of the latest snapshot; {@link SnapshotMeta#EMPTY} if there is none. */
  SnapshotMeta snapshotMeta();

  /** The latest snapshot with its data; {@link Snapshot#EMPTY} if there is none. */
  Snapshot snapshot();

  /**
   * The index of the first entry still held. Entries before it are compacted; the snapshot covers
   * at least them ({@code snapshotMeta().index() >= firstIndex() - 1}), and may cover more.
   */
  long firstIndex();

  /** The index of the last entry, or the snapshot's index if no entry follows it. */
  long lastIndex();

  /**
   * The term of the entry at {@code index}, for {@code firstIndex() - 1 <= index <= lastIndex()}.
   */
  long term(long index);

  /**
   * Entries {@code from} (inclusive) to {@code toExclusive}, stopping early once their total {@link
   * Entry#sizeBytes()} would exceed {@code bytesMax}, but always at least one entry when {@code
   * from < toExclusive}. Requires {@code firstIndex() <= from <= toExclusive <= lastIndex() + 1}.
   */
  List<Entry> entries(long from, long toExclusive, long bytesMax);

  /**
   * Appends {@code entries}, which are contiguous and start at an index in {@code firstIndex() ..
   * lastIndex() + 1}. Any existing entries at or after that index are dropped first.
   */
  void append(List<Entry> entries);

  /** Replaces the hard state. */
  void setHardState(HardState state);

  /**
   * Installs a snapshot received from the leader: the log is replaced by the snapshot, every entry
   * is dropped. Requires {@code snapshot.index() > } the current snapshot's index.
   */
  void installSnapshot(Snapshot snapshot);

  /**
   * Records a snapshot the local state machine took at {@code index}, which must be in {@code
   * snapshotMeta().index() < index <= lastIndex()}. Entries are kept; {@link #compact} drops them.
   * The snapshot counts at once; a store may make it durable later (in the background), and then
   * holds back compaction until it is, so a crash in between recovers the previous snapshot and
   * every entry after it.
   */
  void saveSnapshot(long index, ConfState confState, Bytes data);

  /**
   * {@link #saveSnapshot(long, ConfState, Bytes)} with an image still to be written: {@code image}
   * returns the same bytes whenever it is called and may be called on another thread (see {@link
   * io.synod.raft.replica.StateMachine#captureSnapshot()}). A store that writes snapshots in the
   * background calls it there; the default calls it at once.
   */
  default void saveSnapshot(long index, ConfState confState, Supplier<Bytes> image) {
    saveSnapshot(index, confState, image.get());
  }

  /**
   * Drops the entries up to and including {@code index}, which must not exceed the snapshot's
   * index. The log keeps the term of the entry at {@code index}, so {@code term(firstIndex() - 1)}
   * still answers. Compacting at or below {@code firstIndex() - 1} does nothing. While the latest
   * snapshot is not yet durable (see {@link #saveSnapshot}) the drop may wait for it: {@link
   * #firstIndex()} always tells which entries are held.
   */
  void compact(long index);

  /** Makes every earlier write durable. */
  void sync();
}
