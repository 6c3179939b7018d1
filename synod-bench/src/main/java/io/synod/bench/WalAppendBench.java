package io.synod.bench;

import io.synod.common.Bytes;
import io.synod.raft.Entry;
import io.synod.storage.Disk;
import io.synod.storage.DiskFile;
import io.synod.storage.ForwardingDisk;
import io.synod.storage.ForwardingDiskFile;
import io.synod.storage.RealDisk;
import io.synod.storage.WalRecord.EntryRecord;
import io.synod.storage.WalWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The CPU cost of {@link WalWriter#append} of one entry record of {@code valueBytes} without any
 * fsync: build the record, encode it (CRC32C included) and write it into the page cache under the
 * writer's lock. {@code sync} is never called; the one fsync the API cannot skip (sealing a full
 * segment) and the directory syncs are switched off by a {@link Disk} wrapper whose {@code force}
 * and {@code syncDirectory} do nothing, so no append waits for the device. As in the server, the
 * next 64 MiB segment is preallocated (filled with zeros) on a background thread, and every 65536
 * appends the sealed segments are released (deleted), so the log stays a few segments long; that
 * cost is included. The log lives in {@code bench/results/tmp/wal-append-<pid>/}, deleted at the
 * end. Run with {@code bin/synod-bench jmh WalAppendBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class WalAppendBench {
  private static final long GROUP_ID = 1;
  private static final long SEGMENT_BYTES = 64L << 20;
  private static final long RELEASE_EVERY = 65536;

  @Param({"256"})
  public int valueBytes;

  private Path dir;
  private ExecutorService preallocator;
  private WalWriter wal;
  private Bytes value;
  private long index;

  @Setup
  public void setUp() throws IOException {
    Path root = Path.of(System.getProperty("synod.root", ".")).toAbsolutePath().normalize();
    Path tmp = root.resolve("bench/results/tmp");
    Files.createDirectories(tmp);
    dir = tmp.resolve("wal-append-" + ProcessHandle.current().pid());
    Files.createDirectories(dir);
    preallocator =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "wal-preallocator");
              t.setDaemon(true);
              return t;
            });
    wal = WalWriter.create(new NoSyncDisk(RealDisk.INSTANCE), dir, SEGMENT_BYTES, preallocator);
    byte[] raw = new byte[valueBytes];
    new SplittableRandom(1).nextBytes(raw);
    value = Bytes.wrapOwned(raw);
  }

  @TearDown
  public void tearDown() throws IOException {
    try {
      check(index > 0, "nothing was appended");
      check(
          wal.recordCount() == index,
          "the writer counts " + wal.recordCount() + " records, " + index + " were appended");
      check(
          index * valueBytes < 2 * SEGMENT_BYTES || wal.segmentCount() < 4,
          "sealed segments were not released: " + wal.segmentCount());
    } finally {
      wal.close();
      preallocator.shutdownNow();
      WalBench.deleteTree(dir);
    }
  }

  @Benchmark
  public long append() {
    long ticket = wal.append(List.of(new EntryRecord(GROUP_ID, Entry.normal(1, ++index, value))));
    if (index % RELEASE_EVERY == 0) {
      wal.releaseUpTo(index);
    }
    return ticket;
  }

  private static void check(boolean condition, String message) {
    if (!condition) {
      throw new IllegalStateException(message);
    }
  }

  /** A {@link Disk} whose fsyncs (of files and of directories) do nothing. */
  private static final class NoSyncDisk extends ForwardingDisk {
    NoSyncDisk(Disk delegate) {
      super(delegate);
    }

    @Override
    public DiskFile open(Path path, boolean create) {
      return new ForwardingDiskFile(delegate.open(path, create)) {
        @Override
        public void force() {}
      };
    }

    @Override
    public void syncDirectory(Path path) {}
  }
}
