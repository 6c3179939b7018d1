package io.synod.storage;

import io.synod.raft.Entry;
import io.synod.raft.HardState;

/**
 * One record of the write-ahead log. Entry, hard-state and snapshot records carry the Raft group
 * they belong to, so one log can serve many groups.
 */
public sealed interface WalRecord {

  /** The first record of every segment. */
  record SegmentHeader(long sequence, long firstIndex) implements WalRecord {}

  /** A Raft log entry of {@code groupId}. */
  record EntryRecord(long groupId, Entry entry) implements WalRecord {}

  /** The hard state of {@code groupId}; the last one in the log wins. */
  record HardStateRecord(long groupId, HardState state) implements WalRecord {}

  /**
   * A snapshot of {@code groupId} at {@code index} (whose entry had {@code term}) is durable in its
   * own file. {@code installed} says it came from the leader and replaced the whole log; otherwise
   * the local state machine took it and the entries stay. A segment's preamble repeats the latest
   * one as not installed: the log it replaced lies in earlier segments.
   */
  record SnapshotRecord(long groupId, long index, long term, boolean installed)
      implements WalRecord {}

  /**
   * The log of {@code groupId} was compacted up to {@code index}, whose entry had {@code term}:
   * recovery restores the same first index (a durable snapshot covers the compacted part).
   */
  record CompactRecord(long groupId, long index, long term) implements WalRecord {}
}
