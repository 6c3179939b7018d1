package io.synod.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.storage.FaultyDisk.CrashMode;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The fault model keeps what Linux promises after a crash, and nothing more. */
class FaultyDiskTest {
  private static final Path DIR = Path.of("/data");
  private static final Path FILE = DIR.resolve("f");

  /** A disk with an empty, durable directory /data. */
  private static FaultyDisk diskWithDir() {
    FaultyDisk disk = new FaultyDisk();
    disk.createDirectories(DIR);
    disk.syncDirectory(Path.of("/"));
    return disk;
  }

  private static void write(DiskFile f, long position, String text) {
    f.write(ByteBuffer.wrap(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII)), position);
  }

  private static String text(FaultyDisk disk, Path file) {
    return new String(disk.read(file), java.nio.charset.StandardCharsets.US_ASCII);
  }

  /** A durable file holding "base", then three unsynced writes appending "1", "22", "333". */
  private static FaultyDisk fileWithThreeUnsyncedWrites() {
    FaultyDisk disk = diskWithDir();
    DiskFile f = disk.open(FILE, true);
    write(f, 0, "base");
    f.force();
    disk.syncDirectory(DIR);
    write(f, 4, "1");
    write(f, 5, "22");
    write(f, 7, "333");
    return disk;
  }

  @Test
  void syncedDataSurvivesAndUnsyncedDataIsLostInADropCrash() {
    FaultyDisk disk = fileWithThreeUnsyncedWrites();

    disk.crash(new SplittableRandom(1), CrashMode.DROP_UNSYNCED);

    assertThat(text(disk, FILE)).isEqualTo("base");
  }

  @Test
  void aKeepPrefixCrashKeepsEachPrefixOfTheWritesAndNothingElse() {
    TreeSet<String> seen = new TreeSet<>();
    for (int seed = 0; seed < 60; seed++) {
      FaultyDisk disk = fileWithThreeUnsyncedWrites();
      disk.crash(new SplittableRandom(seed), CrashMode.KEEP_PREFIX);
      seen.add(text(disk, FILE));
    }

    assertThat(seen).containsExactly("base", "base1", "base122", "base122333");
  }

  @Test
  void aTearCutsTheLastKeptWriteAndReportsIt() {
    TreeSet<String> seen = new TreeSet<>();
    for (int seed = 0; seed < 100; seed++) {
      FaultyDisk disk = fileWithThreeUnsyncedWrites();
      disk.crash(new SplittableRandom(seed), CrashMode.TEAR);
      String after = text(disk, FILE);
      seen.add(after);
      for (FaultyDisk.TornWrite t : disk.lastTears()) {
        assertThat(t.file()).isEqualTo(FILE);
        assertThat(after).hasSize((int) t.position() + t.kept());
      }
    }

    // Never all three writes whole: the last one kept is always cut (possibly to nothing).
    assertThat(seen).containsExactly("base", "base1", "base12", "base122", "base1223", "base12233");
  }

  @Test
  void aChosenTearKeepsExactlyTheChosenBytes() {
    FaultyDisk disk = fileWithThreeUnsyncedWrites();
    assertThat(disk.pendingWrites(FILE))
        .containsExactly(
            new FaultyDisk.PendingWrite(4, 1),
            new FaultyDisk.PendingWrite(5, 2),
            new FaultyDisk.PendingWrite(7, 3));

    disk.crashTearing(FILE, 2, 1);

    assertThat(text(disk, FILE)).isEqualTo("base1223");
    assertThat(disk.lastTears()).hasSize(1);
  }

  @Test
  void reorderedPagesCanKeepALaterPageWithoutAnEarlierOne() {
    boolean laterOnly = false;
    for (int seed = 0; seed < 40 && !laterOnly; seed++) {
      FaultyDisk disk = diskWithDir();
      DiskFile f = disk.open(FILE, true);
      f.truncate(2 * FaultyDisk.PAGE_BYTES);
      f.force();
      disk.syncDirectory(DIR);
      byte[] twoPages = new byte[2 * FaultyDisk.PAGE_BYTES];
      Arrays.fill(twoPages, (byte) 7);
      f.write(ByteBuffer.wrap(twoPages), 0);

      disk.crash(new SplittableRandom(seed), CrashMode.REORDER_PAGES);

      byte[] after = disk.read(FILE);
      assertThat(after).hasSize(2 * FaultyDisk.PAGE_BYTES);
      laterOnly = after[0] == 0 && after[FaultyDisk.PAGE_BYTES] == 7;
    }

    assertThat(laterOnly).isTrue();
  }

  @Test
  void aFileWhoseNameWasNeverSyncedVanishesEvenIfItsDataWas() {
    FaultyDisk disk = diskWithDir();
    DiskFile f = disk.open(FILE, true);
    write(f, 0, "data");
    f.force();

    disk.crash(new SplittableRandom(1), CrashMode.DROP_UNSYNCED);

    assertThat(disk.exists(FILE)).isFalse();
  }

  @Test
  void aNameWhoseDataWasNeverSyncedSurvivesEmpty() {
    boolean emptyName = false;
    for (int seed = 0; seed < 40 && !emptyName; seed++) {
      FaultyDisk disk = diskWithDir();
      write(disk.open(FILE, true), 0, "data");
      disk.syncDirectory(DIR);

      disk.crash(new SplittableRandom(seed), CrashMode.KEEP_PREFIX);

      emptyName = disk.read(FILE).length == 0;
    }

    assertThat(emptyName).isTrue();
  }

  @Test
  void aRenameSurvivesWholeOrNotAtAll() {
    TreeSet<String> seen = new TreeSet<>();
    for (int seed = 0; seed < 40; seed++) {
      FaultyDisk disk = diskWithDir();
      DiskFile f = disk.open(DIR.resolve("a.tmp"), true);
      write(f, 0, "new");
      f.force();
      disk.syncDirectory(DIR);
      disk.rename(DIR.resolve("a.tmp"), DIR.resolve("a"));

      disk.crash(new SplittableRandom(seed), CrashMode.KEEP_PREFIX);

      seen.add(String.join(",", disk.list(DIR)));
    }

    assertThat(seen).containsExactly("a", "a.tmp");
  }

  @Test
  void aDirectoryCreatedButNeverSyncedIntoItsParentVanishesWithItsFiles() {
    FaultyDisk disk = new FaultyDisk();
    disk.createDirectories(DIR);
    DiskFile f = disk.open(FILE, true);
    write(f, 0, "data");
    f.force();
    disk.syncDirectory(DIR);

    disk.crash(new SplittableRandom(1), CrashMode.DROP_UNSYNCED);

    assertThat(disk.exists(DIR)).isFalse();
  }

  @Test
  void aCrashInvalidatesOpenHandlesAndReleasesLocks() throws Exception {
    FaultyDisk disk = diskWithDir();
    DiskFile f = disk.open(FILE, true);
    disk.lock(DIR.resolve("LOCK"));

    disk.crash(new SplittableRandom(1), CrashMode.DROP_UNSYNCED);

    assertThatThrownBy(f::size).isInstanceOf(StorageException.class);
    disk.lock(DIR.resolve("LOCK")).close();
  }

  @Test
  void aFailedFsyncLeavesTheDataUnsyncedAndTheNextOneSucceeds() {
    FaultyDisk disk = diskWithDir();
    DiskFile f = disk.open(FILE, true);
    disk.syncDirectory(DIR);
    write(f, 0, "lost");
    disk.failForceAfter(0);

    assertThatThrownBy(f::force).isInstanceOf(StorageException.class).hasMessageContaining("EIO");
    assertThat(disk.pendingWrites(FILE)).hasSize(1);
    disk.crash(new SplittableRandom(1), CrashMode.DROP_UNSYNCED);
    assertThat(text(disk, FILE)).isEmpty();
    assertThat(disk.failedForceCount()).isEqualTo(1);
  }

  @Test
  void aPowerCutStopsEveryCallUntilTheCrash() {
    FaultyDisk disk = diskWithDir();
    DiskFile f = disk.open(FILE, true);
    disk.powerCutAfter(1);
    write(f, 0, "one");

    assertThatThrownBy(() -> write(f, 3, "two")).isInstanceOf(StorageException.class);
    assertThatThrownBy(() -> disk.list(DIR)).isInstanceOf(StorageException.class);
    disk.crash(new SplittableRandom(1), CrashMode.DROP_UNSYNCED);
    assertThat(disk.list(DIR)).isEmpty();
  }

  @Test
  void aFlippedBitChangesTheDurableByte() {
    FaultyDisk disk = fileWithThreeUnsyncedWrites();

    disk.flipBit(FILE, 0, 0);
    disk.crash(new SplittableRandom(1), CrashMode.DROP_UNSYNCED);

    assertThat(text(disk, FILE)).isEqualTo("case");
  }

  @Test
  void aCopyIsIndependentOfTheOriginal() {
    FaultyDisk disk = fileWithThreeUnsyncedWrites();
    FaultyDisk copy = disk.copy();

    copy.crash(new SplittableRandom(1), CrashMode.DROP_UNSYNCED);
    disk.flipBit(FILE, 1, 1);

    assertThat(text(copy, FILE)).isEqualTo("base");
    assertThat(text(disk, FILE)).isEqualTo("bcse122333");
  }

  @Test
  void theSameSeedGivesTheSameCrash() {
    List<String> first = new java.util.ArrayList<>();
    List<String> second = new java.util.ArrayList<>();
    for (List<String> out : List.of(first, second)) {
      for (int seed = 0; seed < 20; seed++) {
        FaultyDisk disk = fileWithThreeUnsyncedWrites();
        disk.crash(new SplittableRandom(seed), CrashMode.TEAR);
        out.add(text(disk, FILE));
      }
    }

    assertThat(second).isEqualTo(first);
  }
}
