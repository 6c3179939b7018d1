package io.synod.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.common.Bytes;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link LogStore} contract, for every implementation: extend this class and say how to make an
 * empty store (and, for a durable store, how to reopen one). Uses only the public API, so stores in
 * other modules can run it too.
 */
public abstract class LogStoreContractTest {
  private static final ConfState VOTERS = ConfState.ofVoters(List.of(1L, 2L, 3L));

  /** A new, empty store. */
  protected abstract LogStore newStore();

  /**
   * The store as it is found after the process stops and starts again, once every write was synced.
   * A durable store closes and reopens its files; a memory store returns a copy.
   */
  protected abstract LogStore reopen(LogStore synced);

  private LogStore store;

  @BeforeEach
  void createStore() {
    store = newStore();
  }

  /** An entry whose payload names its index and term, so a misplaced entry is visible. */
  protected static Entry entry(long index, long term) {
    return Entry.normal(term, index, Bytes.utf8("e" + index + "t" + term));
  }

  /** Entries from {@code firstIndex} on, with the given terms. */
  protected static List<Entry> entries(long firstIndex, long... terms) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < terms.length; i++) {
      out.add(entry(firstIndex + i, terms[i]));
    }
    return out;
  }

  private List<Entry> all() {
    return store.entries(store.firstIndex(), store.lastIndex() + 1, Long.MAX_VALUE);
  }

  // ------------------------------------------------------------------ empty store

  @Test
  void newStoreIsEmpty() {
    assertThat(store.firstIndex()).isEqualTo(1);
    assertThat(store.lastIndex()).isZero();
    assertThat(store.term(0)).isZero();
    assertThat(store.hardState()).isEqualTo(HardState.EMPTY);
    assertThat(store.snapshotMeta()).isEqualTo(SnapshotMeta.EMPTY);
    assertThat(store.snapshot().isEmpty()).isTrue();
    assertThat(store.entries(1, 1, 0)).isEmpty();
  }

  // ------------------------------------------------------------------ append

  @Test
  void appendedEntriesCanBeReadBack() {
    store.append(entries(1, 1, 1, 2, 3));

    assertThat(store.lastIndex()).isEqualTo(4);
    assertThat(store.term(3)).isEqualTo(2);
    assertThat(store.term(4)).isEqualTo(3);
    assertThat(all()).isEqualTo(entries(1, 1, 1, 2, 3));
    assertThat(store.entries(2, 4, Long.MAX_VALUE)).isEqualTo(entries(2, 1, 2));
  }

  @Test
  void appendAtTheEndExtendsTheLog() {
    store.append(entries(1, 1, 1));

    store.append(entries(3, 2, 2));

    assertThat(all()).isEqualTo(entries(1, 1, 1, 2, 2));
  }

  @Test
  void appendInsideTheLogDropsEverythingFromItsFirstIndex() {
    store.append(entries(1, 1, 1, 1, 1, 1));

    store.append(entries(3, 2));

    assertThat(store.lastIndex()).isEqualTo(3);
    assertThat(all()).isEqualTo(entries(1, 1, 1, 2));
  }

  @Test
  void appendAtTheFirstIndexReplacesTheWholeLog() {
    store.append(entries(1, 1, 1, 1));

    store.append(entries(1, 3, 3));

    assertThat(all()).isEqualTo(entries(1, 3, 3));
  }

  @Test
  void appendingNothingChangesNothing() {
    store.append(entries(1, 1, 1));

    store.append(List.of());

    assertThat(all()).isEqualTo(entries(1, 1, 1));
  }

  @Test
  void appendLeavingAGapIsRejected() {
    store.append(entries(1, 1, 1));

    assertThatThrownBy(() -> store.append(entries(4, 1))).isInstanceOf(AssertionError.class);
  }

  @Test
  void appendBelowTheFirstIndexIsRejected() {
    store.append(entries(1, 1, 1, 1, 1));
    store.saveSnapshot(3, VOTERS, Bytes.EMPTY);
    store.compact(3);

    assertThatThrownBy(() -> store.append(entries(3, 2))).isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> store.append(entries(2, 2))).isInstanceOf(AssertionError.class);
  }

  @Test
  void appendOfNonContiguousEntriesIsRejected() {
    List<Entry> gap = List.of(entry(1, 1), entry(3, 1));

    assertThatThrownBy(() -> store.append(gap)).isInstanceOf(AssertionError.class);
  }

  // ------------------------------------------------------------------ queries

  @Test
  void entriesStopBeforeExceedingTheByteLimit() {
    store.append(entries(1, 1, 1, 1, 1, 1));
    long one = entry(1, 1).sizeBytes();

    assertThat(store.entries(1, 6, 3 * one)).hasSize(3);
    assertThat(store.entries(1, 6, 3 * one - 1)).hasSize(2);
    assertThat(store.entries(2, 6, 3 * one + 1)).isEqualTo(entries(2, 1, 1, 1));
  }

  @Test
  void entriesReturnAtLeastOneEntryWhateverTheLimit() {
    store.append(entries(1, 1, 1, 1));

    assertThat(store.entries(2, 4, 0)).isEqualTo(entries(2, 1));
  }

  @Test
  void entriesOfAnEmptyRangeAreEmpty() {
    store.append(entries(1, 1, 1));

    assertThat(store.entries(2, 2, Long.MAX_VALUE)).isEmpty();
    assertThat(store.entries(3, 3, Long.MAX_VALUE)).isEmpty();
  }

  @Test
  void entriesOutsideTheLogAreRejected() {
    store.append(entries(1, 1, 1, 1));

    assertThatThrownBy(() -> store.entries(0, 2, Long.MAX_VALUE))
        .isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> store.entries(2, 6, Long.MAX_VALUE))
        .isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> store.entries(3, 2, Long.MAX_VALUE))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void termOutsideTheLogIsRejected() {
    store.append(entries(1, 1, 1));

    assertThatThrownBy(() -> store.term(3)).isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> store.term(-1)).isInstanceOf(AssertionError.class);
  }

  // ------------------------------------------------------------------ hard state

  @Test
  void hardStateIsReplacedAsAWhole() {
    store.setHardState(new HardState(3, 2, 7));
    store.setHardState(new HardState(4, 0, 7));

    assertThat(store.hardState()).isEqualTo(new HardState(4, 0, 7));
  }

  // ------------------------------------------------------------------ snapshots and compaction

  @Test
  void savedSnapshotKeepsTheEntries() {
    store.append(entries(1, 1, 1, 2, 2));
    Bytes data = Bytes.utf8("image at 3");

    store.saveSnapshot(3, VOTERS, data);

    assertThat(store.snapshotMeta()).isEqualTo(new SnapshotMeta(3, 2, VOTERS));
    assertThat(store.snapshot().data()).isEqualTo(data);
    assertThat(store.firstIndex()).isEqualTo(1);
    assertThat(all()).isEqualTo(entries(1, 1, 1, 2, 2));
  }

  @Test
  void savedSnapshotMustBeNewerAndInsideTheLog() {
    store.append(entries(1, 1, 1, 2, 2));
    store.saveSnapshot(3, VOTERS, Bytes.EMPTY);

    assertThatThrownBy(() -> store.saveSnapshot(3, VOTERS, Bytes.EMPTY))
        .isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> store.saveSnapshot(2, VOTERS, Bytes.EMPTY))
        .isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> store.saveSnapshot(5, VOTERS, Bytes.EMPTY))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void compactDropsThePrefixAndKeepsTheTermAtTheBoundary() {
    store.append(entries(1, 1, 1, 2, 2, 3));
    store.saveSnapshot(4, VOTERS, Bytes.EMPTY);

    store.compact(3);

    assertThat(store.firstIndex()).isEqualTo(4);
    assertThat(store.lastIndex()).isEqualTo(5);
    assertThat(store.term(3)).isEqualTo(2);
    assertThat(all()).isEqualTo(entries(4, 2, 3));
    assertThatThrownBy(() -> store.term(2)).isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> store.entries(3, 4, Long.MAX_VALUE))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void compactUpToTheSnapshotCanEmptyTheLog() {
    store.append(entries(1, 1, 2, 2));
    store.saveSnapshot(3, VOTERS, Bytes.EMPTY);

    store.compact(3);

    assertThat(store.firstIndex()).isEqualTo(4);
    assertThat(store.lastIndex()).isEqualTo(3);
    assertThat(store.term(3)).isEqualTo(2);
    store.append(entries(4, 5));
    assertThat(all()).isEqualTo(entries(4, 5));
  }

  @Test
  void compactBeyondTheSnapshotIsRejected() {
    store.append(entries(1, 1, 1, 1));
    store.saveSnapshot(2, VOTERS, Bytes.EMPTY);

    assertThatThrownBy(() -> store.compact(3)).isInstanceOf(AssertionError.class);
  }

  @Test
  void compactingAnAlreadyCompactedPrefixChangesNothing() {
    store.append(entries(1, 1, 1, 2, 2));
    store.saveSnapshot(3, VOTERS, Bytes.EMPTY);
    store.compact(3);

    store.compact(2);
    store.compact(3);

    assertThat(store.firstIndex()).isEqualTo(4);
    assertThat(store.term(3)).isEqualTo(2);
    assertThat(all()).isEqualTo(entries(4, 2));
  }

  @Test
  void installedSnapshotReplacesTheWholeLog() {
    store.append(entries(1, 1, 1, 1, 1));
    Snapshot snapshot = new Snapshot(new SnapshotMeta(3, 4, VOTERS), Bytes.utf8("leader image"));

    store.installSnapshot(snapshot);

    assertThat(store.snapshot()).isEqualTo(snapshot);
    assertThat(store.firstIndex()).isEqualTo(4);
    assertThat(store.lastIndex()).isEqualTo(3);
    assertThat(store.term(3)).isEqualTo(4);
    assertThatThrownBy(() -> store.term(4)).isInstanceOf(AssertionError.class);
    store.append(entries(4, 4, 5));
    assertThat(all()).isEqualTo(entries(4, 4, 5));
  }

  @Test
  void installedSnapshotMayLieBeyondTheLog() {
    store.append(entries(1, 1));
    Snapshot snapshot = new Snapshot(new SnapshotMeta(10, 3, VOTERS), Bytes.EMPTY);

    store.installSnapshot(snapshot);

    assertThat(store.firstIndex()).isEqualTo(11);
    assertThat(store.lastIndex()).isEqualTo(10);
    assertThat(store.term(10)).isEqualTo(3);
  }

  @Test
  void installedSnapshotMustBeNewerThanTheCurrentOne() {
    store.append(entries(1, 1, 1, 1));
    store.saveSnapshot(3, VOTERS, Bytes.EMPTY);
    Snapshot same = new Snapshot(new SnapshotMeta(3, 1, VOTERS), Bytes.EMPTY);

    assertThatThrownBy(() -> store.installSnapshot(same)).isInstanceOf(AssertionError.class);
  }

  // ------------------------------------------------------------------ durability

  @Test
  void syncedStateSurvivesAReopen() {
    store.append(entries(1, 1, 1, 2, 2, 3));
    store.saveSnapshot(3, VOTERS, Bytes.utf8("image"));
    store.compact(2);
    store.append(entries(5, 4));
    store.setHardState(new HardState(4, 1, 3));
    store.sync();

    LogStore reopened = reopen(store);

    assertThat(reopened.hardState()).isEqualTo(new HardState(4, 1, 3));
    assertThat(reopened.snapshot()).isEqualTo(store.snapshot());
    assertThat(reopened.firstIndex()).isEqualTo(3);
    assertThat(reopened.lastIndex()).isEqualTo(5);
    assertThat(reopened.term(2)).isEqualTo(1);
    assertThat(reopened.entries(3, 6, Long.MAX_VALUE)).isEqualTo(entries(3, 2, 2, 4));
  }

  @Test
  void installedSnapshotSurvivesAReopen() {
    store.append(entries(1, 1, 1));
    store.installSnapshot(new Snapshot(new SnapshotMeta(7, 2, VOTERS), Bytes.utf8("image")));
    store.append(entries(8, 3));
    store.sync();

    LogStore reopened = reopen(store);

    assertThat(reopened.snapshotMeta()).isEqualTo(new SnapshotMeta(7, 2, VOTERS));
    assertThat(reopened.firstIndex()).isEqualTo(8);
    assertThat(reopened.term(7)).isEqualTo(2);
    assertThat(reopened.entries(8, 9, Long.MAX_VALUE)).isEqualTo(entries(8, 3));
  }
}
