package io.synod.raft;

import io.synod.common.Assert;
import io.synod.common.Bytes;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link LogStore} in memory, where every write is durable at once. For unit tests, and as the
 * volatile image inside the simulator's disk model. Not thread-safe.
 *
 * <p>Entries are kept behind a dummy entry standing for the snapshot: {@code entries.get(0)} has
 * the snapshot's index and term, so {@code term(firstIndex() - 1)} needs no special case.
 */
public final class MemoryLogStore implements LogStore {
  private HardState hardState = HardState.EMPTY;
  private Snapshot snapshot = Snapshot.EMPTY;

  /** entries.get(0) is the dummy entry at the compaction point. */
  private ArrayList<Entry> entries = new ArrayList<>();

  public MemoryLogStore() {
    entries.add(Entry.normal(0, 0, Bytes.EMPTY));
  }

  /** A store whose initial membership is {@code confState}, as every founding member starts. */
  public static MemoryLogStore bootstrapped(ConfState confState) {
    MemoryLogStore store = new MemoryLogStore();
    store.snapshot = new Snapshot(new SnapshotMeta(0, 0, confState), Bytes.EMPTY);
    return store;
  }

  /**
   * A store rebuilt from durable parts: {@code snapshot}, the log compacted up to {@code
   * compactedIndex} (whose entry had {@code compactedTerm}; at most the snapshot's index), then
   * {@code entries}, which must start right after it, and {@code hardState}.
   */
  public static MemoryLogStore restored(
      Snapshot snapshot,
      long compactedIndex,
      long compactedTerm,
      List<Entry> entries,
      HardState hardState) {
    Assert.that(
        compactedIndex <= snapshot.index() || snapshot.isEmpty() && compactedIndex == 0,
        "compacted past the snapshot");
    MemoryLogStore store = new MemoryLogStore();
    store.snapshot = snapshot;
    store.entries.set(0, Entry.normal(compactedTerm, compactedIndex, Bytes.EMPTY));
    store.append(entries);
    Assert.that(
        store.lastIndex() >= snapshot.index(), "entries end before the snapshot they follow");
    store.hardState = hardState;
    return store;
  }

  /** A deep copy: the simulator uses it to model what a crash leaves behind. */
  public MemoryLogStore copy() {
    MemoryLogStore c = new MemoryLogStore();
    c.hardState = hardState;
    c.snapshot = snapshot;
    c.entries = new ArrayList<>(entries);
    return c;
  }

  @Override
  public HardState hardState() {
    return hardState;
  }

  @Override
  public SnapshotMeta snapshotMeta() {
    return snapshot.meta();
  }

  @Override
  public Snapshot snapshot() {
    return snapshot;
  }

  @Override
  public long firstIndex() {
    return entries.get(0).index() + 1;
  }

  @Override
  public long lastIndex() {
    return entries.get(0).index() + entries.size() - 1;
  }

  @Override
  public long term(long index) {
    long offset = entries.get(0).index();
    Assert.that(
        index >= offset && index <= lastIndex(),
        "term(%d) outside [%d, %d]",
        index,
        offset,
        lastIndex());
    return entries.get((int) (index - offset)).term();
  }

  /** The entry at {@code index}, for {@code firstIndex() <= index <= lastIndex()}. */
  public Entry entry(long index) {
    long offset = entries.get(0).index();
    Assert.that(
        index > offset && index <= lastIndex(),
        "entry(%d) outside (%d, %d]",
        index,
        offset,
        lastIndex());
    return entries.get((int) (index - offset));
  }

  /**
   * Puts {@code e} in place of the entry with its index, which must have the same term and type:
   * for a store that keeps the payloads of older entries elsewhere and only a stand-in here.
   */
  public void replace(Entry e) {
    Entry old = entry(e.index());
    Assert.that(
        old.term() == e.term() && old.type() == e.type(),
        "replace(%s) of a different entry %s",
        e,
        old);
    entries.set((int) (e.index() - entries.get(0).index()), e);
  }

  @Override
  public List<Entry> entries(long from, long toExclusive, long bytesMax) {
    long offset = entries.get(0).index();
    Assert.that(
        from > offset && from <= toExclusive && toExclusive <= lastIndex() + 1,
        "entries(%d, %d) outside (%d, %d]",
        from,
        toExclusive,
        offset,
        lastIndex() + 1);
    List<Entry> out = new ArrayList<>();
    long bytes = 0;
    for (long i = from; i < toExclusive; i++) {
      Entry e = entries.get((int) (i - offset));
      bytes += e.sizeBytes();
      if (!out.isEmpty() && bytes > bytesMax) {
        break;
      }
      out.add(e);
    }
    return out;
  }

  @Override
  public void append(List<Entry> newEntries) {
    if (newEntries.isEmpty()) {
      return;
    }
    long first = newEntries.get(0).index();
    Assert.that(
        first >= firstIndex() && first <= lastIndex() + 1,
        "append at %d outside [%d, %d]",
        first,
        firstIndex(),
        lastIndex() + 1);
    long offset = entries.get(0).index();
    int keep = (int) (first - offset);
    while (entries.size() > keep) {
      entries.remove(entries.size() - 1);
    }
    long expected = first;
    for (Entry e : newEntries) {
      Assert.that(e.index() == expected, "appended entries not contiguous");
      entries.add(e);
      expected++;
    }
  }

  @Override
  public void setHardState(HardState state) {
    this.hardState = state;
  }

  @Override
  public void installSnapshot(Snapshot s) {
    Assert.that(
        s.index() > snapshot.index(), "snapshot %d not newer than %d", s.index(), snapshot.index());
    snapshot = s;
    entries = new ArrayList<>();
    entries.add(Entry.normal(s.term(), s.index(), Bytes.EMPTY));
  }

  @Override
  public void saveSnapshot(long index, ConfState confState, Bytes data) {
    Assert.that(
        index > snapshot.index() && index <= lastIndex(),
        "snapshot at %d outside (%d, %d]",
        index,
        snapshot.index(),
        lastIndex());
    snapshot = new Snapshot(new SnapshotMeta(index, term(index), confState), data);
  }

  @Override
  public void compact(long index) {
    long offset = entries.get(0).index();
    if (index <= offset) {
      return;
    }
    Assert.that(
        index <= snapshot.index(), "compact(%d) beyond snapshot %d", index, snapshot.index());
    ArrayList<Entry> kept = new ArrayList<>(entries.size() - (int) (index - offset));
    kept.add(Entry.normal(term(index), index, Bytes.EMPTY));
    kept.addAll(entries.subList((int) (index - offset) + 1, entries.size()));
    entries = kept;
  }

  @Override
  public void sync() {}
}
