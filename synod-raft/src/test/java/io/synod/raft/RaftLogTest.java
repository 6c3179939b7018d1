package io.synod.raft;

import static io.synod.raft.Logs.all;
import static io.synod.raft.Logs.confEntry;
import static io.synod.raft.Logs.entries;
import static io.synod.raft.Logs.entry;
import static io.synod.raft.Logs.logWithTerms;
import static io.synod.raft.Logs.persist;
import static io.synod.raft.Logs.storeWithTerms;
import static io.synod.raft.Logs.terms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.common.Bytes;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The log's bookkeeping: stable and unstable parts, slicing, snapshots and the apply cursor. */
class RaftLogTest {
  private static final long ONE = entry(1, 1).sizeBytes();
  private static final ConfState VOTERS = ConfState.ofVoters(List.of(1L, 2L, 3L));

  private static Snapshot snapshot(long index, long term) {
    return new Snapshot(new SnapshotMeta(index, term, VOTERS), Bytes.utf8("image"));
  }

  // ------------------------------------------------------------------ construction and terms

  @Test
  void newLogOverAnEmptyStoreIsEmpty() {
    RaftLog log = new RaftLog(new MemoryLogStore());

    assertThat(log.firstIndex()).isEqualTo(1);
    assertThat(log.lastIndex()).isZero();
    assertThat(log.lastTerm()).isZero();
    assertThat(log.committed).isZero();
    assertThat(log.hasUnstable()).isFalse();
  }

  @Test
  void newLogStartsCommittedAndAppliedAtTheCompactionPoint() {
    MemoryLogStore store = storeWithTerms(1, 1, 2, 2, 3);
    store.saveSnapshot(3, VOTERS, Bytes.EMPTY);
    store.compact(3);

    RaftLog log = new RaftLog(store);

    assertThat(log.firstIndex()).isEqualTo(4);
    assertThat(log.lastIndex()).isEqualTo(5);
    assertThat(log.committed).isEqualTo(3);
    assertThat(log.applying).isEqualTo(3);
    assertThat(log.applied).isEqualTo(3);
    assertThat(log.hasUnstable()).isFalse();
  }

  @Test
  void newLogStartsAfterTheStoredSnapshotWhenEntriesBeforeItAreKept() {
    // The store keeps entries 3..4 behind its snapshot at 4, for followers that lag a little.
    MemoryLogStore store = storeWithTerms(1, 1, 2, 2, 3, 3);
    store.saveSnapshot(4, VOTERS, Bytes.utf8("state at 4"));
    store.compact(2);

    RaftLog log = new RaftLog(store);

    // The state machine restarts from the snapshot: 3 and 4 are in it and must not apply again.
    assertThat(log.applied).isEqualTo(4);
    assertThat(log.applying).isEqualTo(4);
    assertThat(log.committed).isEqualTo(4);
    assertThat(log.firstIndex()).isEqualTo(3);
    log.commitTo(6);
    assertThat(log.committedToApply(Long.MAX_VALUE)).isEqualTo(entries(5, 3, 3));
  }

  @Test
  void termIsKnownFromTheCompactionBoundaryToTheLastIndex() {
    MemoryLogStore store = storeWithTerms(1, 1, 2, 2, 3);
    store.saveSnapshot(3, VOTERS, Bytes.EMPTY);
    store.compact(2);
    RaftLog log = new RaftLog(store);
    log.append(entries(6, 4));

    assertThat(log.term(1)).isEqualTo(RaftLog.NO_TERM);
    assertThat(log.term(2)).isEqualTo(1);
    assertThat(log.term(5)).isEqualTo(3);
    assertThat(log.term(6)).isEqualTo(4);
    assertThat(log.term(7)).isEqualTo(RaftLog.NO_TERM);
    assertThat(log.matchTerm(2, 1)).isTrue();
    assertThat(log.matchTerm(1, 1)).isFalse();
  }

  // ------------------------------------------------------------------ append

  @Test
  void appendAfterTheLastStableEntryStartsTheUnstablePart() {
    RaftLog log = logWithTerms(1, 1, 1);

    log.append(entries(4, 2, 2));

    assertThat(log.unstableEntries()).isEqualTo(entries(4, 2, 2));
    assertThat(log.lastIndex()).isEqualTo(5);
    assertThat(log.lastStableIndex()).isEqualTo(3);
  }

  @Test
  void appendAtTheEndOfTheUnstablePartExtendsIt() {
    RaftLog log = logWithTerms(1, 1, 1);
    log.append(entries(4, 2));

    log.append(entries(5, 2, 3));

    assertThat(log.unstableEntries()).isEqualTo(entries(4, 2, 2, 3));
    assertThat(terms(log)).containsExactly(1L, 1L, 1L, 2L, 2L, 3L);
  }

  @Test
  void appendInsideTheUnstablePartTruncatesIt() {
    RaftLog log = logWithTerms(1, 1, 1);
    log.append(entries(4, 2, 2, 2));

    log.append(entries(5, 3));

    assertThat(log.unstableEntries()).isEqualTo(List.of(entry(4, 2), entry(5, 3)));
    assertThat(log.lastIndex()).isEqualTo(5);
    assertThat(log.term(6)).isEqualTo(RaftLog.NO_TERM);
  }

  @Test
  void appendAtTheUnstableOffsetReplacesTheWholeUnstablePart() {
    RaftLog log = logWithTerms(1, 1, 1);
    log.append(entries(4, 2, 2));

    log.append(entries(4, 3));

    assertThat(log.unstableEntries()).isEqualTo(entries(4, 3));
    assertThat(log.lastStableIndex()).isEqualTo(3);
  }

  @Test
  void appendBeforeTheUnstableOffsetShadowsTheStableSuffix() {
    MemoryLogStore store = storeWithTerms(1, 1, 1, 1, 1);
    RaftLog log = new RaftLog(store);
    log.append(entries(6, 1));

    log.append(entries(3, 2));

    assertThat(log.unstableEntries()).isEqualTo(entries(3, 2));
    assertThat(log.lastIndex()).isEqualTo(3);
    assertThat(log.lastStableIndex()).isEqualTo(2);
    assertThat(log.term(4)).isEqualTo(RaftLog.NO_TERM);
    // The store still holds the old suffix until the loop overwrites it.
    assertThat(store.lastIndex()).isEqualTo(5);
    assertThat(all(log)).isEqualTo(List.of(entry(1, 1), entry(2, 1), entry(3, 2)));
  }

  @Test
  void persistingAShadowingAppendOverwritesTheStore() {
    MemoryLogStore store = storeWithTerms(1, 1, 1, 1, 1);
    RaftLog log = new RaftLog(store);
    log.append(entries(3, 2, 2));

    persist(log, store);

    assertThat(log.hasUnstable()).isFalse();
    assertThat(store.lastIndex()).isEqualTo(4);
    assertThat(log.lastStableIndex()).isEqualTo(4);
    assertThat(terms(log)).containsExactly(1L, 1L, 2L, 2L);
  }

  @Test
  void appendingNothingChangesNothing() {
    RaftLog log = logWithTerms(1, 1);

    log.append(List.of());

    assertThat(log.lastIndex()).isEqualTo(2);
    assertThat(log.hasUnstable()).isFalse();
  }

  @Test
  void appendBelowTheCommitIndexIsAnInvariantViolation() {
    RaftLog log = logWithTerms(1, 1, 1);
    log.commitTo(2);

    assertThatThrownBy(() -> log.append(entries(2, 2))).isInstanceOf(AssertionError.class);
    log.append(entries(3, 2));
    assertThat(terms(log)).containsExactly(1L, 1L, 2L);
  }

  // ------------------------------------------------------------------ slice

  @Test
  void sliceReadsAcrossTheStableAndUnstableParts() {
    RaftLog log = logWithTerms(1, 1, 1);
    log.append(entries(4, 2, 2, 2));

    assertThat(log.slice(2, 6, Long.MAX_VALUE)).isEqualTo(entries(2, 1, 1, 2, 2));
    assertThat(log.entriesFrom(5, Long.MAX_VALUE)).isEqualTo(entries(5, 2, 2));
  }

  @Test
  void sliceStopsBeforeExceedingTheByteLimitOnEitherSide() {
    RaftLog log = logWithTerms(1, 1, 1);
    log.append(entries(4, 2, 2, 2));

    assertThat(log.slice(1, 7, ONE)).isEqualTo(entries(1, 1));
    assertThat(log.slice(2, 7, 2 * ONE)).isEqualTo(entries(2, 1, 1));
    assertThat(log.slice(2, 7, 3 * ONE)).isEqualTo(entries(2, 1, 1, 2));
    assertThat(log.slice(2, 7, 4 * ONE - 1)).isEqualTo(entries(2, 1, 1, 2));
    assertThat(log.slice(4, 7, 2 * ONE)).isEqualTo(entries(4, 2, 2));
  }

  @Test
  void sliceReturnsAtLeastOneEntryFromEitherPart() {
    RaftLog log = logWithTerms(1, 1, 1);
    log.append(entries(4, 2, 2));

    assertThat(log.slice(3, 6, 0)).isEqualTo(entries(3, 1));
    assertThat(log.slice(4, 6, 0)).isEqualTo(entries(4, 2));
  }

  @Test
  void sliceOfAnEmptyRangeIsEmpty() {
    RaftLog log = logWithTerms(1, 1);

    assertThat(log.slice(3, 3, Long.MAX_VALUE)).isEmpty();
    assertThat(log.entriesFrom(3, Long.MAX_VALUE)).isEmpty();
  }

  @Test
  void sliceOutsideTheLogIsAnInvariantViolation() {
    MemoryLogStore store = storeWithTerms(1, 1, 1, 1);
    store.saveSnapshot(2, VOTERS, Bytes.EMPTY);
    store.compact(2);
    RaftLog log = new RaftLog(store);

    assertThatThrownBy(() -> log.slice(2, 4, Long.MAX_VALUE)).isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> log.slice(3, 6, Long.MAX_VALUE)).isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> log.slice(4, 3, Long.MAX_VALUE)).isInstanceOf(AssertionError.class);
  }

  // ------------------------------------------------------------------ stableTo

  @Test
  void stableToMovesAPrefixOfTheUnstablePartIntoTheStore() {
    MemoryLogStore store = storeWithTerms(1);
    RaftLog log = new RaftLog(store);
    log.append(entries(2, 1, 1));
    store.append(log.unstableEntries());
    log.append(entries(4, 2));

    log.stableTo(3, 1);

    assertThat(log.unstableEntries()).isEqualTo(entries(4, 2));
    assertThat(log.lastStableIndex()).isEqualTo(3);
    assertThat(terms(log)).containsExactly(1L, 1L, 1L, 2L);
  }

  @Test
  void stableToIgnoresAnEntryReplacedSinceItWasHandedOut() {
    MemoryLogStore store = storeWithTerms(1);
    RaftLog log = new RaftLog(store);
    log.append(entries(2, 1, 1));
    List<Entry> handedOut = log.unstableEntries();
    // A new leader's entries replace 3 while the loop writes the old ones.
    log.append(entries(3, 2));
    store.append(handedOut);

    log.stableTo(3, 1);

    assertThat(log.unstableEntries()).isEqualTo(List.of(entry(2, 1), entry(3, 2)));
    assertThat(log.lastStableIndex()).isEqualTo(1);
    assertThat(log.term(3)).isEqualTo(2);
  }

  @Test
  void stableToIgnoresAnEntryTruncatedSinceItWasHandedOut() {
    MemoryLogStore store = storeWithTerms(1);
    RaftLog log = new RaftLog(store);
    log.append(entries(2, 1, 1, 1));
    List<Entry> handedOut = log.unstableEntries();
    log.append(entries(3, 2));
    store.append(handedOut);

    log.stableTo(4, 1);

    assertThat(log.unstableEntries()).isEqualTo(List.of(entry(2, 1), entry(3, 2)));
    persist(log, store);
    assertThat(terms(log)).containsExactly(1L, 1L, 2L);
    assertThat(store.lastIndex()).isEqualTo(3);
  }

  @Test
  void stableToOutsideTheUnstablePartIsIgnored() {
    RaftLog log = logWithTerms(1, 1);
    log.append(entries(3, 1));

    log.stableTo(2, 1);
    log.stableTo(4, 1);

    assertThat(log.unstableEntries()).isEqualTo(entries(3, 1));
  }

  // ------------------------------------------------------------------ snapshots

  @Test
  void restoreReplacesTheLogByAPendingSnapshot() {
    RaftLog log = logWithTerms(1, 1, 1);
    log.append(entries(4, 1));
    log.commitTo(2);

    log.restore(snapshot(10, 3));

    assertThat(log.pendingSnapshot()).isEqualTo(snapshot(10, 3));
    assertThat(log.firstIndex()).isEqualTo(11);
    assertThat(log.lastIndex()).isEqualTo(10);
    assertThat(log.lastTerm()).isEqualTo(3);
    assertThat(log.term(9)).isEqualTo(RaftLog.NO_TERM);
    assertThat(log.committed).isEqualTo(10);
    assertThat(log.unstableEntries()).isEmpty();
    assertThat(log.hasUnstable()).isTrue();
    assertThat(log.lastStableIndex()).isZero();
    assertThat(log.hasCommittedToApply()).isFalse();
    assertThat(log.committedToApply(Long.MAX_VALUE)).isEmpty();
  }

  @Test
  void entriesAppendedAfterAPendingSnapshotFollowIt() {
    RaftLog log = logWithTerms(1);
    log.restore(snapshot(10, 3));

    log.append(entries(11, 3, 4));

    assertThat(log.lastIndex()).isEqualTo(12);
    assertThat(log.slice(11, 13, Long.MAX_VALUE)).isEqualTo(entries(11, 3, 4));
    assertThat(log.term(10)).isEqualTo(3);
  }

  @Test
  void installingThePendingSnapshotMovesTheApplyCursors() {
    MemoryLogStore store = storeWithTerms(1, 1);
    RaftLog log = new RaftLog(store);
    log.restore(snapshot(10, 3));
    log.append(entries(11, 3));

    persist(log, store);

    assertThat(log.pendingSnapshot().isEmpty()).isTrue();
    assertThat(log.hasUnstable()).isFalse();
    assertThat(log.applying).isEqualTo(10);
    assertThat(log.applied).isEqualTo(10);
    assertThat(log.firstIndex()).isEqualTo(11);
    assertThat(log.lastStableIndex()).isEqualTo(11);
    assertThat(log.term(10)).isEqualTo(3);
  }

  @Test
  void stableSnapshotToAnOlderSnapshotIsIgnored() {
    RaftLog log = logWithTerms(1);
    log.restore(snapshot(10, 3));
    log.restore(snapshot(12, 3));

    log.stableSnapshotTo(10);

    assertThat(log.pendingSnapshot().index()).isEqualTo(12);
    assertThat(log.applied).isZero();
  }

  @Test
  void restoreAtOrBelowTheCommitIndexIsAnInvariantViolation() {
    RaftLog log = logWithTerms(1, 1, 1);
    log.commitTo(3);

    assertThatThrownBy(() -> log.restore(snapshot(3, 1))).isInstanceOf(AssertionError.class);
  }

  @Test
  void storedSnapshotIsTheStoresLatest() {
    MemoryLogStore store = storeWithTerms(1, 1, 2);
    store.saveSnapshot(2, VOTERS, Bytes.utf8("image"));

    assertThat(new RaftLog(store).storedSnapshot()).isEqualTo(store.snapshot());
  }

  // ------------------------------------------------------------------ commit and apply

  @Test
  void commitNeverGoesBackAndNeverPassesTheLastIndex() {
    RaftLog log = logWithTerms(1, 1, 1);

    log.commitTo(2);
    log.commitTo(1);

    assertThat(log.committed).isEqualTo(2);
    assertThatThrownBy(() -> log.commitTo(4)).isInstanceOf(AssertionError.class);
  }

  @Test
  void committedEntriesAreHandedOutOnceInBatches() {
    RaftLog log = logWithTerms(1, 1, 1, 1);
    log.commitTo(3);

    List<Entry> first = log.committedToApply(2 * ONE);
    log.applyingTo(2);

    assertThat(first).isEqualTo(entries(1, 1, 1));
    assertThat(log.committedToApply(Long.MAX_VALUE)).isEqualTo(entries(3, 1));
    log.applyingTo(3);
    assertThat(log.hasCommittedToApply()).isFalse();
    assertThat(log.committedToApply(Long.MAX_VALUE)).isEmpty();
  }

  @Test
  void committedToApplyHandsOutAtLeastOneEntry() {
    RaftLog log = logWithTerms(1, 1);
    log.commitTo(2);

    assertThat(log.committedToApply(0)).isEqualTo(entries(1, 1));
  }

  @Test
  void committedUnstableEntriesAreHandedOutToo() {
    RaftLog log = logWithTerms(1);
    log.append(entries(2, 2));
    log.commitTo(2);

    assertThat(log.committedToApply(Long.MAX_VALUE)).isEqualTo(entries(1, 1, 2));
  }

  @Test
  void applyingToMustStayBetweenApplyingAndCommitted() {
    RaftLog log = logWithTerms(1, 1, 1);
    log.commitTo(2);
    log.applyingTo(1);

    assertThatThrownBy(() -> log.applyingTo(3)).isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> log.applyingTo(0)).isInstanceOf(AssertionError.class);
    log.applyingTo(2);
    assertThat(log.applying).isEqualTo(2);
  }

  @Test
  void appliedToMustStayBetweenAppliedAndApplying() {
    RaftLog log = logWithTerms(1, 1, 1);
    log.commitTo(3);
    log.applyingTo(2);
    log.appliedTo(1);

    assertThatThrownBy(() -> log.appliedTo(3)).isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> log.appliedTo(0)).isInstanceOf(AssertionError.class);
    log.appliedTo(2);
    assertThat(log.applied).isEqualTo(2);
  }

  @Test
  void unappliedConfChangeCountsFromAppliedToCommitted() {
    MemoryLogStore store = new MemoryLogStore();
    store.append(List.of(entry(1, 1), confEntry(2, 1), entry(3, 1)));
    RaftLog log = new RaftLog(store);
    assertThat(log.hasUnappliedConfChange()).isFalse();

    log.commitTo(1);
    assertThat(log.hasUnappliedConfChange()).isFalse();
    log.commitTo(3);
    assertThat(log.hasUnappliedConfChange()).isTrue();
    // Handed out for applying is not applied yet.
    log.applyingTo(3);
    assertThat(log.hasUnappliedConfChange()).isTrue();
    log.appliedTo(2);
    assertThat(log.hasUnappliedConfChange()).isFalse();
  }

  @Test
  void uncommittedConfChangeIsNotUnapplied() {
    RaftLog log = logWithTerms(1);
    log.append(List.of(confEntry(2, 1)));
    log.commitTo(1);

    assertThat(log.hasUnappliedConfChange()).isFalse();
  }

  @Test
  void toStringShowsTheCursors() {
    RaftLog log = logWithTerms(1, 1);
    log.append(entries(3, 2));
    log.commitTo(2);

    assertThat(log).hasToString("log[first=1 last=3 committed=2 applied=0 unstable=3+1]");
  }
}
