package io.synod.bench;

import io.synod.common.Bytes;
import io.synod.raft.Entry;
import io.synod.storage.RealDisk;
import io.synod.storage.WalCodec;
import io.synod.storage.WalRecord;
import io.synod.storage.WalRecord.EntryRecord;
import io.synod.storage.WalWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * One closed-loop run of the write-ahead log: {@code appenders} threads each append one entry
 * record and wait for its fsync ({@link WalWriter#append} then {@link WalWriter#sync}), again and
 * again, first for a warm-up that is not counted, then for the measured window.
 *
 * <pre>
 *   start ──warm-up──▶ measureStart ──measured window──▶ measureEnd ──▶ appenders stop
 *                       syncCount, recordCount read       read again
 * </pre>
 *
 * An append+sync is counted, and its latency recorded, only if it started and finished inside the
 * measured window. Each appender writes its own Raft group (group id = appender number) with its
 * own increasing indexes, as many groups sharing one log would. The latency is service time: a
 * closed loop issues the next append only when the previous one is durable.
 *
 * <p>Every loop is bounded in time: appenders stop at {@code measureEnd}; if one is still stuck in
 * the writer {@link #STUCK_GRACE_SECONDS} later, the run fails with every thread's stack.
 */
final class WalLoad {
  static final int STUCK_GRACE_SECONDS = 60;

  /** Who calls {@link WalWriter#sync}. */
  enum SyncMode {
    /** Every appender calls {@code sync(ticket)}: the writer's own group commit. */
    SHARED,
    /** Experiment: one {@link SyncFlusher} thread syncs and wakes only the covered appenders. */
    FLUSHER
  }

  /** What one run measured. Latencies are in microseconds. */
  record Result(
      int appenders,
      SyncMode syncMode,
      double durationSeconds,
      long appends,
      long records,
      long fsyncs,
      long bytes,
      long p50Micros,
      long p99Micros,
      long p999Micros,
      long maxMicros,
      int segments,
      long appendP50Micros,
      long appendP99Micros,
      TimedDisk.ForceStats forces,
      CpuMeter.Usage cpu) {

    double appendsPerSecond() {
      return appends / durationSeconds;
    }

    double fsyncsPerSecond() {
      return fsyncs / durationSeconds;
    }

    double entriesPerFsync() {
      return fsyncs == 0 ? 0 : (double) records / fsyncs;
    }

    double bytesPerSecond() {
      return bytes / durationSeconds;
    }

    /** The share of the measured window the disk spent inside an fsync, in percent. */
    double fsyncBusyPercent() {
      return 100.0 * forces.totalNanos() / (durationSeconds * 1e9);
    }
  }

  private WalLoad() {}

  static Result run(
      Path dir,
      int appenders,
      int warmupSeconds,
      int measureSeconds,
      int valueBytes,
      long segmentBytes,
      SyncMode syncMode) {
    TimedDisk disk = new TimedDisk(RealDisk.INSTANCE);
    disk.disk().createDirectories(dir);
    // As in the server: the next segment is preallocated off the append path.
    java.util.concurrent.ExecutorService preallocator =
        java.util.concurrent.Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "wal-preallocator");
              t.setDaemon(true);
              return t;
            });
    try (WalWriter wal = WalWriter.create(disk.disk(), dir, segmentBytes, preallocator)) {
      long startNanos = System.nanoTime();
      long measureStartNanos = startNanos + TimeUnit.SECONDS.toNanos(warmupSeconds);
      long measureEndNanos = measureStartNanos + TimeUnit.SECONDS.toNanos(measureSeconds);
      CountDownLatch done = new CountDownLatch(appenders);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      long deadlineNanos = measureEndNanos + TimeUnit.SECONDS.toNanos(STUCK_GRACE_SECONDS);
      SyncFlusher flusher = new SyncFlusher(wal, deadlineNanos);
      Thread flusherThread = null;
      if (syncMode == SyncMode.FLUSHER) {
        flusherThread = new Thread(() -> runFlusher(flusher, failure), "sync-flusher");
        flusherThread.setDaemon(true);
        flusherThread.start();
      }
      Durability durability = syncMode == SyncMode.FLUSHER ? flusher::awaitDurable : wal::sync;
      List<Appender> all = new ArrayList<>();
      for (int i = 0; i < appenders; i++) {
        Appender a =
            new Appender(wal, durability, i + 1, valueBytes, measureStartNanos, measureEndNanos);
        all.add(a);
        Thread t =
            new Thread(
                () -> {
                  try {
                    a.loop();
                  } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                  } finally {
                    done.countDown();
                  }
                },
                "appender-" + (i + 1));
        t.setDaemon(true);
        t.start();
      }
      sleepUntil(measureStartNanos);
      long fsyncsBefore = wal.syncCount();
      long recordsBefore = wal.recordCount();
      CpuMeter cpu = CpuMeter.start();
      disk.takeForceStats();
      sleepUntil(measureEndNanos);
      long fsyncsAfter = wal.syncCount();
      long recordsAfter = wal.recordCount();
      TimedDisk.ForceStats forces = disk.takeForceStats();
      CpuMeter.Usage cpuUsage = cpu.stop();
      awaitAppenders(done, appenders);
      flusher.stop();
      if (flusherThread != null) {
        joinUntil(flusherThread, deadlineNanos);
      }
      if (failure.get() != null) {
        throw new IllegalStateException("an appender failed", failure.get());
      }
      Histogram latency = new Histogram(3);
      Histogram appendLatency = new Histogram(3);
      long appends = 0;
      for (Appender a : all) {
        latency.add(a.latencyNanos);
        appendLatency.add(a.appendNanos);
        appends += a.measuredAppends;
      }
      long records = recordsAfter - recordsBefore;
      return new Result(
          appenders,
          syncMode,
          measureSeconds,
          appends,
          records,
          fsyncsAfter - fsyncsBefore,
          records * WalCodec.encodedSize(sampleRecord(valueBytes)),
          micros(latency.getValueAtPercentile(50)),
          micros(latency.getValueAtPercentile(99)),
          micros(latency.getValueAtPercentile(99.9)),
          micros(latency.getMaxValue()),
          wal.segmentCount(),
          micros(appendLatency.getValueAtPercentile(50)),
          micros(appendLatency.getValueAtPercentile(99)),
          forces,
          cpuUsage);
    } finally {
      preallocator.shutdownNow();
    }
  }

  /** Returns once everything appended up to {@code ticket} is durable. */
  @FunctionalInterface
  private interface Durability {
    void awaitDurable(long ticket);
  }

  private static void runFlusher(SyncFlusher flusher, AtomicReference<Throwable> failure) {
    try {
      flusher.run();
    } catch (Throwable e) {
      failure.compareAndSet(null, e);
    }
  }

  private static void joinUntil(Thread t, long deadlineNanos) {
    try {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the sync flusher", e);
    }
    if (t.isAlive()) {
      throw new IllegalStateException("sync flusher did not stop");
    }
  }

  private static long micros(long nanos) {
    return TimeUnit.NANOSECONDS.toMicros(nanos);
  }

  static WalRecord sampleRecord(int valueBytes) {
    return new EntryRecord(1, Entry.normal(1, 1, Bytes.wrapOwned(new byte[valueBytes])));
  }

  private static void sleepUntil(long deadlineNanos) {
    long left;
    while ((left = deadlineNanos - System.nanoTime()) > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while the benchmark ran", e);
      }
    }
  }

  private static void awaitAppenders(CountDownLatch done, int appenders) {
    try {
      if (!done.await(STUCK_GRACE_SECONDS, TimeUnit.SECONDS)) {
        StringBuilder dump = new StringBuilder();
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
          dump.append('\n').append(e.getKey().getName()).append(' ').append(e.getKey().getState());
          for (StackTraceElement frame : e.getValue()) {
            dump.append("\n    at ").append(frame);
          }
        }
        throw new IllegalStateException(
            done.getCount()
                + " of "
                + appenders
                + " appenders still inside the writer "
                + STUCK_GRACE_SECONDS
                + " s after the end:"
                + dump);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the appenders", e);
    }
  }

  /** One appender thread's loop and what it measured; confined to that thread until it ends. */
  private static final class Appender {
    private final WalWriter wal;
    private final Durability durability;
    private final long groupId;
    private final byte[] value;
    private final long measureStartNanos;
    private final long measureEndNanos;
    final Histogram latencyNanos = new Histogram(3);

    /** The append alone: waiting for the writer's lock, encoding and writing to the page cache. */
    final Histogram appendNanos = new Histogram(3);

    long measuredAppends;

    Appender(
        WalWriter wal,
        Durability durability,
        long groupId,
        int valueBytes,
        long measureStartNanos,
        long measureEndNanos) {
      this.wal = wal;
      this.durability = durability;
      this.groupId = groupId;
      this.value = new byte[valueBytes];
      new SplittableRandom(groupId).nextBytes(value);
      this.measureStartNanos = measureStartNanos;
      this.measureEndNanos = measureEndNanos;
    }

    void loop() {
      Bytes data = Bytes.wrapOwned(value);
      for (long index = 1; ; index++) {
        long start = System.nanoTime();
        if (start - measureEndNanos >= 0) {
          return;
        }
        WalRecord r = new EntryRecord(groupId, Entry.normal(1, index, data));
        long ticket = wal.append(List.of(r));
        long appended = System.nanoTime();
        durability.awaitDurable(ticket);
        long end = System.nanoTime();
        if (start - measureStartNanos >= 0 && end - measureEndNanos <= 0) {
          latencyNanos.recordValue(end - start);
          appendNanos.recordValue(appended - start);
          measuredAppends++;
        }
      }
    }
  }
}
