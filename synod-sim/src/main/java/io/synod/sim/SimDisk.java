package io.synod.sim;

import io.synod.common.Assert;
import io.synod.common.Bytes;
import io.synod.raft.ConfState;
import io.synod.raft.Entry;
import io.synod.raft.HardState;
import io.synod.raft.LogStore;
import io.synod.raft.MemoryLogStore;
import io.synod.raft.Snapshot;
import io.synod.raft.SnapshotMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * The simulator's disk: a {@link LogStore} with exactly the durability the real store ({@code
 * FileLogStore}) promises and no more. Writes are visible at once; log writes become durable only
 * at {@link #sync()}. A crash keeps a random prefix of the unsynced log writes, and may tear the
 * last one it keeps (an append survives as a prefix of its entries); the rest is lost. Snapshots
 * are durable at once. (The real store may write one in the background, holding back compaction
 * until it is durable: a crash in between recovers the previous snapshot and the entries after it,
 * the state of a node that had not taken the snapshot yet, which this disk reaches when snapshots
 * are late.) A sync may itself fail, which is fail-stop: the node crashes at that point with
 * nothing of that sync made durable.
 *
 * <p>Owned by the simulation thread. The disk outlives the node process that uses it.
 */
final class SimDisk implements LogStore {
  /** Thrown from {@link #sync()} when the simulation decides the node dies during an fsync. */
  static final class SimulatedCrash extends RuntimeException {
    SimulatedCrash() {
      super("simulated crash during fsync", null, false, false);
    }
  }

  private sealed interface Write {}

  private record Append(List<Entry> entries) implements Write {}

  private record SetHardState(HardState state) implements Write {}

  private record InstallSnapshot(Snapshot snapshot) implements Write {}

  private record SaveSnapshot(long index, ConfState confState, Bytes data) implements Write {}

  private record Compact(long index) implements Write {}

  /** Syncs after a snapshot's capture at which its image is written again and compared. */
  private static final int IMAGE_RECHECK_SYNCS = 3;

  private final RandomGenerator random;
  private double syncCrashProbability;
  private MemoryLogStore durable;
  private MemoryLogStore current;
  private final List<Write> unsynced = new ArrayList<>();
  private long syncs;

  /**
   * The last image handed over still to be written ({@link #saveSnapshot(long, ConfState,
   * Supplier)}), the bytes it gave then, and how many syncs later it is asked again: the state
   * machine has applied more by then, and the image must not have changed.
   */
  private Supplier<Bytes> recheckImage;

  private Bytes recheckExpected;
  private int recheckInSyncs;

  SimDisk(MemoryLogStore initial, RandomGenerator random, double syncCrashProbability) {
    this.random = random;
    this.syncCrashProbability = syncCrashProbability;
    this.durable = initial;
    this.current = initial.copy();
  }

  /**
   * Models a crash: keeps a random prefix of the unsynced writes, maybe tearing the last one. A
   * snapshot is durable as soon as it is written (the real store syncs its file before returning),
   * so snapshots written after the kept prefix survive too, in order; the log writes around them do
   * not.
   */
  void crash() {
    int kept = random.nextInt(unsynced.size() + 1);
    for (int i = 0; i < kept; i++) {
      Write w = unsynced.get(i);
      if (i == kept - 1
          && w instanceof Append a
          && a.entries().size() > 1
          && random.nextBoolean()) {
        // A torn append: the WAL's checksums cut it back to the records written whole.
        int whole = 1 + random.nextInt(a.entries().size() - 1);
        apply(durable, new Append(a.entries().subList(0, whole)));
      } else {
        apply(durable, w);
      }
    }
    for (int i = kept; i < unsynced.size(); i++) {
      Write w = unsynced.get(i);
      if (w instanceof InstallSnapshot || w instanceof SaveSnapshot) {
        apply(durable, w);
      }
    }
    unsynced.clear();
    current = durable.copy();
  }

  /** No more crashes during fsync (the liveness phase). */
  void disableCrashes() {
    syncCrashProbability = 0;
  }

  long syncCount() {
    return syncs;
  }

  int unsyncedWrites() {
    return unsynced.size();
  }

  private static void apply(MemoryLogStore store, Write w) {
    if (w instanceof Append a) {
      store.append(a.entries());
    } else if (w instanceof SetHardState h) {
      store.setHardState(h.state());
    } else if (w instanceof InstallSnapshot s) {
      store.installSnapshot(s.snapshot());
    } else if (w instanceof SaveSnapshot s) {
      store.saveSnapshot(s.index(), s.confState(), s.data());
    } else if (w instanceof Compact c) {
      store.compact(c.index());
    }
  }

  private void write(Write w) {
    apply(current, w);
    unsynced.add(w);
  }

  @Override
  public HardState hardState() {
    return current.hardState();
  }

  @Override
  public SnapshotMeta snapshotMeta() {
    return current.snapshotMeta();
  }

  @Override
  public Snapshot snapshot() {
    return current.snapshot();
  }

  @Override
  public long firstIndex() {
    return current.firstIndex();
  }

  @Override
  public long lastIndex() {
    return current.lastIndex();
  }

  @Override
  public long term(long index) {
    return current.term(index);
  }

  @Override
  public List<Entry> entries(long from, long toExclusive, long bytesMax) {
    return current.entries(from, toExclusive, bytesMax);
  }

  @Override
  public void append(List<Entry> entries) {
    if (!entries.isEmpty()) {
      write(new Append(List.copyOf(entries)));
    }
  }

  @Override
  public void setHardState(HardState state) {
    write(new SetHardState(state));
  }

  @Override
  public void installSnapshot(Snapshot snapshot) {
    write(new InstallSnapshot(snapshot));
  }

  @Override
  public void saveSnapshot(long index, ConfState confState, Bytes data) {
    write(new SaveSnapshot(index, confState, data));
  }

  @Override
  public void saveSnapshot(long index, ConfState confState, Supplier<Bytes> image) {
    Bytes data = image.get();
    saveSnapshot(index, confState, data);
    recheckImage = image;
    recheckExpected = data;
    recheckInSyncs = IMAGE_RECHECK_SYNCS;
  }

  @Override
  public void compact(long index) {
    write(new Compact(index));
  }

  @Override
  public void sync() {
    if (syncCrashProbability > 0 && random.nextDouble() < syncCrashProbability) {
      throw new SimulatedCrash();
    }
    syncs++;
    if (recheckImage != null && --recheckInSyncs == 0) {
      Bytes again = recheckImage.get();
      Assert.that(
          again.equals(recheckExpected),
          "a snapshot image changed after it was captured: %d bytes, then %d",
          recheckExpected.size(),
          again.size());
      recheckImage = null;
      recheckExpected = null;
    }
    for (Write w : unsynced) {
      apply(durable, w);
    }
    unsynced.clear();
  }
}
