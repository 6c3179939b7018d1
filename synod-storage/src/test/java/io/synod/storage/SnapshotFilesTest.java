package io.synod.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.common.Bytes;
import io.synod.raft.ConfState;
import io.synod.raft.Snapshot;
import io.synod.raft.SnapshotMeta;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Snapshot files larger than one write chunk and one sync interval. */
class SnapshotFilesTest {
  private static final Path DIR = Path.of("/data/group-3/snap");

  private final FaultyDisk disk = new FaultyDisk();

  private SnapshotFiles files() {
    disk.createDirectories(DIR);
    return new SnapshotFiles(disk, DIR, 3);
  }

  private static Snapshot snapshotOf(int dataBytes) {
    byte[] data = new byte[dataBytes];
    new SplittableRandom(7).nextBytes(data);
    return new Snapshot(
        new SnapshotMeta(42, 5, ConfState.ofVoters(List.of(1L, 2L, 3L))), Bytes.wrapOwned(data));
  }

  @Test
  void aLargeImageIsSyncedAsItIsWrittenAndReadsBackWhole() {
    SnapshotFiles files = files();
    Snapshot s = snapshotOf(2 * SnapshotFiles.SYNC_EVERY_BYTES + 12_345);
    long forcesBefore = disk.forceCount();

    files.write(s);

    assertThat(disk.forceCount() - forcesBefore)
        .as("file syncs: one after each 8 MiB and one at the end")
        .isEqualTo(3);
    Snapshot read = files.read(5, 42);
    assertThat(read.meta()).isEqualTo(s.meta());
    assertThat(read.data()).isEqualTo(s.data());
  }

  @Test
  void theChecksumCoversEveryChunk() {
    SnapshotFiles files = files();
    files.write(snapshotOf(3 * (1 << 20) + 7));
    Path file = DIR.resolve(SnapshotFiles.fileName(5, 42));
    int size = disk.read(file).length;
    for (long offset : new long[] {3, 100, (1 << 20) + 1, 2 * (1 << 20) + 99, size - 5}) {
      FaultyDisk damaged = disk.copy();
      damaged.flipBit(file, offset, 2);
      SnapshotFiles reread = new SnapshotFiles(damaged, DIR, 3);
      assertThatThrownBy(() -> reread.read(5, 42))
          .as("a bit flipped at %d", offset)
          .isInstanceOf(CorruptionException.class);
    }
  }
}
