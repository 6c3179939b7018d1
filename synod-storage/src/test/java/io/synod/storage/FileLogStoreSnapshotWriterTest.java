package io.synod.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import io.synod.raft.ConfState;
import io.synod.raft.Entry;
import io.synod.raft.HardState;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Snapshots written on a background writer: compaction waits until the file is durable. */
class FileLogStoreSnapshotWriterTest {
  private static final Path DIR = Path.of("/data/group-3");
  private static final long GROUP = 3;
  private static final ConfState VOTERS = ConfState.ofVoters(List.of(1L, 2L, 3L));

  /** A writer that runs what it is given only when told to. */
  private final ArrayDeque<Runnable> queued = new ArrayDeque<>();

  private final FileLogStore.Options options =
      new FileLogStore.Options(4096, 2).withEntryBytesInMemory(0).withSnapshotWriter(queued::add);

  private final FaultyDisk disk = new FaultyDisk();

  private static List<Entry> entries(long from, long to) {
    List<Entry> out = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      out.add(Entry.normal(1, i, Bytes.utf8("command " + i)));
    }
    return out;
  }

  /** Entries 1..20 synced, a snapshot at 15 handed to the writer, compaction to 12 asked for. */
  private FileLogStore storeWritingASnapshot() {
    FileLogStore store = FileLogStore.open(disk, DIR, GROUP, options);
    store.append(entries(1, 20));
    store.setHardState(new HardState(1, 1, 20));
    store.sync();
    store.saveSnapshot(15, VOTERS, Bytes.utf8("state at 15"));
    store.compact(12);
    return store;
  }

  @Test
  void aCrashBeforeTheSnapshotFileIsWrittenKeepsThePreviousSnapshotAndEveryEntry() {
    FileLogStore store = storeWritingASnapshot();

    assertThat(store.snapshotMeta().index()).as("the snapshot counts at once").isEqualTo(15);
    assertThat(store.firstIndex()).as("compaction waits for the file").isEqualTo(1);
    store.append(entries(21, 22));
    store.sync();

    disk.crash(new SplittableRandom(1), FaultyDisk.CrashMode.DROP_UNSYNCED);
    FileLogStore recovered = FileLogStore.open(disk, DIR, GROUP, options);
    assertThat(recovered.snapshotMeta().index()).isZero();
    assertThat(recovered.firstIndex()).isEqualTo(1);
    assertThat(recovered.entries(1, 23, Long.MAX_VALUE)).isEqualTo(entries(1, 22));
    assertThat(recovered.recoveryNotes()).isEmpty();
  }

  @Test
  void onceTheFileIsWrittenTheNextCallRecordsTheSnapshotAndCompacts() {
    FileLogStore store = storeWritingASnapshot();
    assertThat(queued).hasSize(1);
    queued.poll().run();

    store.append(entries(21, 22)); // finds the file written: records it, compacts
    store.sync();
    assertThat(store.firstIndex()).isEqualTo(13);

    disk.crash(new SplittableRandom(2), FaultyDisk.CrashMode.DROP_UNSYNCED);
    FileLogStore recovered = FileLogStore.open(disk, DIR, GROUP, options);
    assertThat(recovered.snapshot().meta().index()).isEqualTo(15);
    assertThat(recovered.snapshot().data()).isEqualTo(Bytes.utf8("state at 15"));
    assertThat(recovered.entries(recovered.firstIndex(), 23, Long.MAX_VALUE))
        .isEqualTo(entries(recovered.firstIndex(), 22));
    assertThat(recovered.recoveryNotes()).isEmpty();
  }

  @Test
  void theImageIsBuiltOnTheWriterNotByTheCaller() {
    FileLogStore store = FileLogStore.open(disk, DIR, GROUP, options);
    store.append(entries(1, 20));
    store.sync();
    List<String> builtOn = new ArrayList<>();
    store.saveSnapshot(
        15,
        VOTERS,
        () -> {
          builtOn.add("writer");
          return Bytes.utf8("state at 15");
        });
    assertThat(builtOn).as("not built by saveSnapshot").isEmpty();
    queued.poll().run();
    assertThat(builtOn).containsExactly("writer");
    assertThat(store.snapshot().data()).isEqualTo(Bytes.utf8("state at 15"));
    assertThat(builtOn).as("built once").hasSize(1);
  }

  @Test
  void askedForWhileItIsBeingBuiltTheSnapshotIsWaitedFor() throws Exception {
    ExecutorService writer = Executors.newSingleThreadExecutor();
    CountDownLatch building = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try {
      FileLogStore store =
          FileLogStore.open(
              disk, DIR, GROUP, new FileLogStore.Options(4096, 2).withSnapshotWriter(writer));
      store.append(entries(1, 20));
      store.sync();
      store.saveSnapshot(
          15,
          VOTERS,
          () -> {
            building.countDown();
            awaitUninterruptibly(release);
            return Bytes.utf8("state at 15");
          });
      assertThat(building.await(30, TimeUnit.SECONDS)).isTrue();
      // Released from another thread, usually after snapshot() below has started to wait.
      new Thread(release::countDown).start();
      assertThat(store.snapshot().data()).isEqualTo(Bytes.utf8("state at 15"));
      assertThat(store.snapshot().meta().index()).isEqualTo(15);
    } finally {
      release.countDown();
      writer.shutdownNow();
    }
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
