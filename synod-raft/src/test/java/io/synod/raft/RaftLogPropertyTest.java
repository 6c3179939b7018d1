package io.synod.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;

/**
 * {@link RaftLog} over a {@link MemoryLogStore} against a naive model: a snapshot point and a plain
 * list of the entries after it. Random steps append (extending or truncating, as a new leader
 * would), persist the way the replica loop does (possibly with one Ready still being written while
 * more entries arrive), commit, apply, compact the store and restore leader snapshots. After every
 * step the log and the model agree on the first and last index, every term, random slices, the
 * commit index and the pending membership changes.
 */
class RaftLogPropertyTest {
  record Step(int kind, int a, int b) {}

  @Provide
  Arbitrary<List<Step>> steps() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 19),
            Arbitraries.integers().between(0, 1_000),
            Arbitraries.integers().between(0, 1_000))
        .as(Step::new)
        .list()
        .ofMinSize(10)
        .ofMaxSize(150)
        .withSizeDistribution(RandomDistribution.uniform());
  }

  @Property(tries = 400)
  void raftLogAgreesWithAPlainListOfEntries(@ForAll("steps") List<Step> steps) {
    Harness h = new Harness();
    for (Step step : steps) {
      h.apply(step);
      h.check(step);
    }
    h.persistEverything();
    h.check(new Step(0, 0, 1_000));
  }

  /** The naive model: entries after a snapshot point, in a list. */
  private static final class Model {
    long snapIndex;
    long snapTerm;
    final List<Entry> entries = new ArrayList<>();
    long committed;
    long applying;
    long applied;

    /** The index of the restored snapshot the loop has not installed yet, or 0. */
    long pendingSnapshot;

    /** The index of the state-machine snapshot the store holds (saved or installed). */
    long storedSnapshot;

    long lastIndex() {
      return snapIndex + entries.size();
    }

    long term(long index) {
      if (index == snapIndex) {
        return snapTerm;
      }
      if (index < snapIndex || index > lastIndex()) {
        return RaftLog.NO_TERM;
      }
      return entries.get((int) (index - snapIndex - 1)).term();
    }

    void append(List<Entry> newEntries) {
      long keep = newEntries.get(0).index() - 1 - snapIndex;
      while (entries.size() > keep) {
        entries.remove(entries.size() - 1);
      }
      entries.addAll(newEntries);
    }

    /** Entries in [from, to) while their total stays within bytesMax, but at least one. */
    List<Entry> slice(long from, long to, long bytesMax) {
      List<Entry> out = new ArrayList<>();
      long bytes = 0;
      for (long i = from; i < to; i++) {
        Entry e = entries.get((int) (i - snapIndex - 1));
        bytes += e.sizeBytes();
        if (!out.isEmpty() && bytes > bytesMax) {
          break;
        }
        out.add(e);
      }
      return out;
    }

    boolean hasUnappliedConfChange() {
      for (Entry e : entries) {
        if (e.index() > applied && e.index() <= committed && e.type() == EntryType.CONF_CHANGE) {
          return true;
        }
      }
      return false;
    }
  }

  /** What one Ready handed to the loop: written to the store later, maybe after more appends. */
  private record Handed(Snapshot snapshot, List<Entry> entries) {}

  private static final class Harness {
    final MemoryLogStore store = new MemoryLogStore();
    RaftLog log = new RaftLog(store);
    final Model model = new Model();
    long maxTerm = 1;
    int appendCount;
    Handed handed;

    void apply(Step s) {
      switch (s.kind()) {
        case 0, 1, 2, 3, 4 -> append(s);
        case 5 -> {
          if (handed == null) {
            handOut();
            write();
          }
        }
        case 6, 7 -> {
          if (handed == null) {
            handOut();
          }
        }
        case 8, 9 -> {
          if (handed != null) {
            write();
          }
        }
        case 10, 11 -> commit(s);
        case 12, 13, 14 -> applyCommitted(s);
        case 15, 16 -> compact(s);
        case 17 -> {
          if (s.b() % 3 == 0) {
            restore(s);
          }
        }
        case 18 -> {
          if (s.b() % 2 == 0) {
            restart();
          }
        }
        default -> {
          if (handed != null) {
            write();
          }
          handOut();
          write();
        }
      }
    }

    void append(Step s) {
      long last = log.lastIndex();
      long after = log.committed + s.a() % (last - log.committed + 1);
      boolean truncates = after < last;
      if (truncates || s.b() % 5 == 0) {
        maxTerm++;
      }
      appendCount++;
      List<Entry> entries = new ArrayList<>();
      for (int i = 0; i < 1 + s.b() % 4; i++) {
        long index = after + 1 + i;
        if ((s.a() + i) % 7 == 0) {
          Bytes cc = ConfChange.of(ConfChange.ChangeType.ADD_VOTER, appendCount).encode();
          entries.add(new Entry(maxTerm, index, EntryType.CONF_CHANGE, cc));
        } else {
          String payload = appendCount + "." + i + "-".repeat((s.a() + i) % 9);
          entries.add(Entry.normal(maxTerm, index, Bytes.utf8(payload)));
        }
      }
      log.append(entries);
      model.append(entries);
    }

    void handOut() {
      handed = new Handed(log.pendingSnapshot(), log.unstableEntries());
    }

    /** The loop finishes writing what it was handed and calls advance. */
    void write() {
      Snapshot snapshot = handed.snapshot();
      List<Entry> entries = handed.entries();
      handed = null;
      if (!snapshot.isEmpty()) {
        store.installSnapshot(snapshot);
        model.storedSnapshot = snapshot.index();
      }
      store.append(entries);
      if (!snapshot.isEmpty()) {
        log.stableSnapshotTo(snapshot.index());
        if (model.pendingSnapshot == snapshot.index()) {
          model.pendingSnapshot = 0;
          model.applying = Math.max(model.applying, snapshot.index());
          model.applied = Math.max(model.applied, snapshot.index());
        }
      }
      if (!entries.isEmpty()) {
        Entry last = entries.get(entries.size() - 1);
        log.stableTo(last.index(), last.term());
      }
    }

    void persistEverything() {
      if (handed != null) {
        write();
      }
      handOut();
      write();
      assertThat(log.hasUnstable()).isFalse();
      assertThat(log.lastStableIndex()).isEqualTo(model.lastIndex());
      assertThat(store.lastIndex()).isEqualTo(model.lastIndex());
    }

    void commit(Step s) {
      long last = log.lastIndex();
      if (log.committed < last) {
        long to = log.committed + 1 + s.a() % (last - log.committed);
        log.commitTo(to);
        model.committed = to;
      }
    }

    /** Hands out a batch of committed entries, and sometimes finishes applying what was out. */
    void applyCommitted(Step s) {
      boolean modelHasSome = model.pendingSnapshot == 0 && model.applying < model.committed;
      assertThat(log.hasCommittedToApply()).isEqualTo(modelHasSome);
      if (modelHasSome) {
        long bytesMax = s.a() / 4;
        List<Entry> batch = log.committedToApply(bytesMax);
        assertThat(batch).isEqualTo(model.slice(model.applying + 1, model.committed + 1, bytesMax));
        long last = batch.get(batch.size() - 1).index();
        log.applyingTo(last);
        model.applying = last;
      }
      if (s.b() % 2 == 0) {
        log.appliedTo(log.applying);
        model.applied = model.applying;
      }
    }

    void compact(Step s) {
      long firstKept = store.firstIndex();
      long upTo = Math.min(log.applied, log.lastStableIndex());
      if (upTo < firstKept) {
        return;
      }
      if (upTo > store.snapshotMeta().index()) {
        store.saveSnapshot(upTo, ConfState.EMPTY, Bytes.utf8("state at " + upTo));
        model.storedSnapshot = upTo;
      }
      long index = firstKept + s.a() % (upTo - firstKept + 1);
      store.compact(index);
      model.snapTerm = model.term(index);
      model.entries.subList(0, (int) (index - model.snapIndex)).clear();
      model.snapIndex = index;
    }

    /**
     * The process restarts once everything is written: a new log over the same store. The state
     * machine comes back from the stored snapshot, so everything up to it counts as applied.
     */
    void restart() {
      persistEverything();
      log = new RaftLog(store);
      long restored = Math.max(model.snapIndex, model.storedSnapshot);
      model.committed = restored;
      model.applying = restored;
      model.applied = restored;
    }

    void restore(Step s) {
      long index = log.committed + 1 + s.a() % 6;
      maxTerm++;
      log.restore(new Snapshot(new SnapshotMeta(index, maxTerm, ConfState.EMPTY), Bytes.EMPTY));
      model.entries.clear();
      model.snapIndex = index;
      model.snapTerm = maxTerm;
      model.committed = index;
      model.pendingSnapshot = index;
    }

    /**
     * Whatever the log calls stable is in the store, identical to the model. The log may claim less
     * than the store holds (an entry replaced while it was being written stays unstable).
     */
    void checkStableIsReallyInTheStore(String where) {
      long stable = log.lastStableIndex();
      if (model.pendingSnapshot != 0) {
        assertThat(stable).as(where).isZero();
        return;
      }
      assertThat(stable).as(where).isBetween(model.snapIndex, store.lastIndex());
      for (long i = model.snapIndex; i <= stable; i++) {
        assertThat(store.term(i)).as("stored term(%d) %s", i, where).isEqualTo(model.term(i));
      }
    }

    void check(Step s) {
      String where = "after " + s + " in " + log;
      assertThat(log.lastIndex()).as(where).isEqualTo(model.lastIndex());
      assertThat(log.firstIndex()).as(where).isEqualTo(model.snapIndex + 1);
      for (long i = 0; i <= model.lastIndex() + 2; i++) {
        assertThat(log.term(i)).as("term(%d) %s", i, where).isEqualTo(model.term(i));
      }
      assertThat(log.committed).as(where).isEqualTo(model.committed);
      assertThat(log.applying).as(where).isEqualTo(model.applying);
      assertThat(log.applied).as(where).isEqualTo(model.applied);
      assertThat(log.hasUnappliedConfChange()).as(where).isEqualTo(model.hasUnappliedConfChange());
      checkStableIsReallyInTheStore(where);
      long first = model.snapIndex + 1;
      long end = model.lastIndex() + 1;
      long from = first + s.a() % (end - first + 1);
      long to = from + s.b() % (end - from + 1);
      long bytesMax = (s.a() + s.b()) % 150;
      assertThat(log.slice(from, to, bytesMax))
          .as("slice(%d, %d, %d) %s", from, to, bytesMax, where)
          .isEqualTo(model.slice(from, to, bytesMax));
      assertThat(log.slice(first, end, Long.MAX_VALUE)).as(where).isEqualTo(model.entries);
    }
  }
}
