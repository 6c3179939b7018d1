package io.synod.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.storage.FaultyDisk.CrashMode;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Random Raft-valid workloads on a crashing disk: whatever a crash keeps, recovery finds every
 * synced write, a prefix of the others, and the newest snapshot, and says when it cut a torn tail.
 * Each try runs several incarnations, each ending in a crash.
 */
class FileLogStoreCrashPropertyTest {

  private static void crashRepeatedly(long seed, int segmentKiB, CrashMode mode) {
    SplittableRandom random = new SplittableRandom(seed);
    CrashMode[] modes = CrashMode.values();
    CrashWorkload workload =
        new CrashWorkload(
                new FaultyDisk(),
                random,
                new FileLogStore.Options(
                    segmentKiB * 1024L,
                    2,
                    seed % 2 == 0 ? null : Runnable::run,
                    Math.floorMod(seed, 3) == 0 ? 0 : Math.floorMod(seed, 3) == 1 ? 500 : 1 << 20),
                new CrashWorkload.Coverage())
            .start();
    for (int crash = 0; crash < 8; crash++) {
      workload.run(random.nextInt(120));
      CrashMode now = mode != null ? mode : modes[random.nextInt(modes.length)];
      // crashAndRecover asserts what recovery found against what was synced; a refusal to open
      // (a CorruptionException) is allowed only where reordered pages can break a synced record.
      if (!workload.crashAndRecover(now)) {
        assertThat(now)
            .as("the only crash that may leave a store that refuses to open")
            .isEqualTo(CrashMode.REORDER_PAGES);
        return;
      }
    }
  }

  @Property(tries = 250)
  void everyCrashModeKeepsTheSyncedWritesAndAPrefixOfTheRest(
      @ForAll long seed,
      @ForAll @IntRange(min = 4, max = 16) int segmentKiB,
      @ForAll CrashMode mode) {
    crashRepeatedly(seed, segmentKiB, mode);
  }

  @Property(tries = 250)
  void crashesOfMixedKindsInOneLifeKeepTheSyncedWrites(
      @ForAll long seed, @ForAll @IntRange(min = 4, max = 16) int segmentKiB) {
    crashRepeatedly(seed, segmentKiB, null);
  }
}
