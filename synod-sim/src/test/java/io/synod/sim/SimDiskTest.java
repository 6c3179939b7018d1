package io.synod.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.common.Bytes;
import io.synod.raft.Entry;
import io.synod.raft.HardState;
import io.synod.raft.MemoryLogStore;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SimDiskTest {

  private static List<Entry> entries(long from, int count, long term) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(Entry.normal(term, from + i, Bytes.utf8("e" + (from + i))));
    }
    return out;
  }

  @Test
  void syncedWritesSurviveACrash() {
    SimDisk disk = new SimDisk(new MemoryLogStore(), new SplittableRandom(1), 0);
    disk.append(entries(1, 5, 1));
    disk.setHardState(new HardState(1, 2, 3));
    disk.sync();

    disk.crash();

    assertThat(disk.lastIndex()).isEqualTo(5);
    assertThat(disk.hardState()).isEqualTo(new HardState(1, 2, 3));
  }

  @Test
  void aCrashKeepsAPrefixOfUnsyncedWritesAndNeverMore() {
    boolean sawLoss = false;
    boolean sawTear = false;
    boolean sawAll = false;
    for (long seed = 0; seed < 200; seed++) {
      SimDisk disk = new SimDisk(new MemoryLogStore(), new SplittableRandom(seed), 0);
      disk.append(entries(1, 2, 1));
      disk.sync();
      disk.append(entries(3, 4, 1));
      disk.setHardState(new HardState(1, 0, 6));
      disk.append(entries(7, 3, 1));

      disk.crash();

      long last = disk.lastIndex();
      assertThat(last).isBetween(2L, 9L);
      // The hard state is the second unsynced write: it survives only if the whole first one did.
      if (disk.hardState().commit() == 6) {
        assertThat(last).isGreaterThanOrEqualTo(6);
      }
      for (long i = 1; i <= last; i++) {
        assertThat(disk.entries(i, i + 1, Long.MAX_VALUE).get(0).data())
            .isEqualTo(Bytes.utf8("e" + i));
      }
      sawLoss |= last == 2;
      sawTear |= last > 2 && last < 6;
      sawAll |= last == 9;
    }
    assertThat(sawLoss).as("some crash lost every unsynced write").isTrue();
    assertThat(sawTear).as("some crash tore an append").isTrue();
    assertThat(sawAll).as("some crash kept every write").isTrue();
  }

  @Test
  void aFailedSyncMakesNothingDurable() {
    SimDisk disk = new SimDisk(new MemoryLogStore(), new SplittableRandom(3), 1.0);
    disk.append(entries(1, 3, 1));

    assertThatThrownBy(disk::sync).isInstanceOf(SimDisk.SimulatedCrash.class);
    assertThat(disk.syncCount()).isZero();
    assertThat(disk.unsyncedWrites()).isEqualTo(1);
  }

  @Test
  void writesAreVisibleBeforeTheyAreDurable() {
    SimDisk disk = new SimDisk(new MemoryLogStore(), new SplittableRandom(4), 0);
    disk.append(entries(1, 3, 2));

    assertThat(disk.lastIndex()).isEqualTo(3);
    assertThat(disk.term(3)).isEqualTo(2);
  }

  @Test
  void aSnapshotIsDurableOnceWrittenButTheLogAroundItIsNot() {
    for (long seed = 0; seed < 50; seed++) {
      SimDisk disk = new SimDisk(new MemoryLogStore(), new SplittableRandom(seed), 0);
      disk.append(entries(1, 4, 1));
      disk.sync();
      disk.saveSnapshot(3, io.synod.raft.ConfState.EMPTY, Bytes.utf8("image"));
      disk.append(entries(5, 2, 1));

      disk.crash();

      assertThat(disk.snapshotMeta().index()).isEqualTo(3);
      assertThat(disk.snapshot().data()).isEqualTo(Bytes.utf8("image"));
      assertThat(disk.lastIndex()).isBetween(4L, 6L);
    }
  }
}
