package io.synod.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/synod-bench wal}: how fast the write-ahead log makes entries durable on this machine,
 * for several numbers of concurrent appenders, next to the disk's raw fsync latency from fio.
 *
 * <p>Prints one JSON line per appender count on standard output, then a table; progress goes to
 * standard error. Writes {@code bench/results/wal-<date>.json} and {@code .md} with the machine's
 * details. The test directory must be on a real disk (a tmpfs fsync measures nothing) and is
 * deleted afterwards.
 */
@Command(
    name = "wal",
    mixinStandardHelpOptions = true,
    description =
        "Write-ahead-log benchmark: appenders each loop append(1 entry) + sync(ticket); reports"
            + " appends/s, fsyncs/s, entries per fsync (group commit) and latency.")
public final class WalBench implements Callable<Integer> {

  @Option(
      names = "--appenders",
      split = ",",
      defaultValue = "1,16,256",
      description = "appender thread counts, one run each (default: ${DEFAULT-VALUE})")
  List<Integer> appenderCounts;

  @Option(
      names = "--seconds",
      defaultValue = "15",
      description = "measured seconds per run (default: ${DEFAULT-VALUE})")
  int measureSeconds;

  @Option(
      names = "--warmup",
      defaultValue = "5",
      description = "seconds of warm-up per run, not counted (default: ${DEFAULT-VALUE})")
  int warmupSeconds;

  @Option(
      names = "--value-bytes",
      defaultValue = "256",
      description = "entry payload bytes (default: ${DEFAULT-VALUE})")
  int valueBytes;

  @Option(
      names = "--segment-bytes",
      defaultValue = "67108864",
      description = "WAL segment size, preallocated (default: ${DEFAULT-VALUE}, as FileLogStore)")
  long segmentBytes;

  @Option(
      names = "--dir",
      description =
          "where to make the test directory; must be on the disk to measure"
              + " (default: <repo>/bench/results/tmp)")
  Path parentDir;

  @Option(
      names = "--fio-seconds",
      defaultValue = "20",
      description = "seconds of fio fsync baseline first; 0 skips it (default: ${DEFAULT-VALUE})")
  int fioSeconds;

  @Option(
      names = "--results",
      description = "where to write wal-<date>.json and .md (default: <repo>/bench/results)")
  Path resultsDir;

  @Option(
      names = "--sync-mode",
      defaultValue = "SHARED",
      description =
          "SHARED: each appender calls sync(ticket), the writer's group commit; FLUSHER: experiment,"
              + " one thread syncs and wakes only covered appenders (default: ${DEFAULT-VALUE})")
  WalLoad.SyncMode syncMode;

  @Option(
      names = "--wait-quiet",
      defaultValue = "0",
      description =
          "before each run wait up to this many seconds for the machine to be under"
              + " 20%% CPU busy and its disk under 20%% busy (shared machines); 0 does not wait"
              + " (default: ${DEFAULT-VALUE})")
  int waitQuietSeconds;

  @Option(
      names = "--tries",
      defaultValue = "1",
      description =
          "runs per appender count at most: a run during which other work used over 15%% of the"
              + " cores is repeated, and the least disturbed one kept (default: ${DEFAULT-VALUE})")
  int tries;

  @Option(names = "--no-save", description = "print only; write no results file")
  boolean noSave;

  @Option(
      names = "--allow-memory-fs",
      description = "run even if the directory is on tmpfs (the figures then mean nothing)")
  boolean allowMemoryFs;

  private String commandLine = "bin/synod-bench wal";
  private double fioMachinePercent = -1;

  public static void main(String[] args) {
    WalBench bench = new WalBench();
    bench.commandLine =
        "bin/synod-bench wal" + (args.length == 0 ? "" : " " + String.join(" ", args));
    System.exit(new CommandLine(bench).execute(args));
  }

  @Override
  public Integer call() throws IOException {
    validate();
    Path root = Path.of(System.getProperty("synod.root", ".")).toAbsolutePath().normalize();
    Path parent = parentDir != null ? parentDir : root.resolve("bench/results/tmp");
    boolean madeParent = !Files.exists(parent);
    Files.createDirectories(parent);
    Path testDir = parent.resolve("wal-bench-" + ProcessHandle.current().pid()).toAbsolutePath();
    if (Files.exists(testDir)) {
      throw new IllegalStateException(testDir + " exists already; remove it first");
    }
    Files.createDirectories(testDir);
    Thread cleanup = new Thread(() -> deleteTree(testDir), "delete-test-dir");
    Runtime.getRuntime().addShutdownHook(cleanup);
    try {
      return measure(root, testDir);
    } finally {
      deleteTree(testDir);
      Runtime.getRuntime().removeShutdownHook(cleanup);
      if (madeParent) {
        deleteIfEmpty(parent);
      }
    }
  }

  private void validate() {
    if (appenderCounts.isEmpty() || appenderCounts.stream().anyMatch(n -> n < 1 || n > 4096)) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--appenders: each count must be in 1..4096");
    }
    if (measureSeconds < 1 || warmupSeconds < 0 || valueBytes < 0 || fioSeconds < 0) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--seconds >= 1, --warmup, --value-bytes, --fio-seconds >= 0");
    }
    if (tries < 1 || tries > 10 || waitQuietSeconds < 0) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--tries in 1..10, --wait-quiet >= 0");
    }
    if (segmentBytes < 4096) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--segment-bytes >= 4096");
    }
  }

  private int measure(Path root, Path testDir) throws IOException {
    Machine machine = Machine.probe(testDir);
    System.err.printf(
        "wal-bench: %d cores, %s, test dir %s on %s (%s)%n",
        machine.cores(), machine.jdk(), testDir, machine.fileSystemType(), machine.dfLine());
    if (machine.isMemoryFileSystem() && !allowMemoryFs) {
      System.err.println(
          "wal-bench: "
              + testDir
              + " is on "
              + machine.fileSystemType()
              + ", where fsync costs nothing; pick a directory on a disk with --dir");
      return 2;
    }
    FioProbe fio = null;
    if (fioSeconds > 0) {
      Path fioDir = testDir.resolve("fio");
      Files.createDirectories(fioDir);
      System.err.printf("wal-bench: fio fsync baseline for %d s...%n", fioSeconds);
      waitForQuiet();
      CpuMeter cpu = CpuMeter.start();
      fio = FioProbe.run(fioDir, fioSeconds);
      fioMachinePercent = cpu.stop().machinePercent();
      deleteTree(fioDir);
      System.err.println(
          "wal-bench: fio " + (fio.measured() ? fio.syncPercentilesMicros() : fio.note()));
    }
    List<WalLoad.Result> results = new ArrayList<>();
    for (int appenders : appenderCounts) {
      WalLoad.Result r = null;
      for (int attempt = 1; attempt <= tries; attempt++) {
        System.err.printf(
            "wal-bench: %d appenders, %d s warm-up + %d s (try %d of %d)...%n",
            appenders, warmupSeconds, measureSeconds, attempt, tries);
        waitForQuiet();
        Path runDir = testDir.resolve("appenders-" + appenders);
        WalLoad.Result t =
            WalLoad.run(
                runDir,
                appenders,
                warmupSeconds,
                measureSeconds,
                valueBytes,
                segmentBytes,
                syncMode);
        deleteTree(runDir);
        if (r == null || t.cpu().otherPercent() < r.cpu().otherPercent()) {
          r = t;
        }
        if (r.cpu().otherPercent() <= OTHER_BUSY_PERCENT_MAX) {
          break;
        }
        System.err.printf(
            Locale.ROOT,
            "wal-bench: other work used %.0f%% of the cores during the run%n",
            t.cpu().otherPercent());
      }
      results.add(r);
      System.out.println(runJson(r));
      System.out.flush();
    }
    System.out.println();
    System.out.print(table(results));
    if (!noSave) {
      Path dir = resultsDir != null ? resultsDir : root.resolve("bench/results");
      save(dir, machine, fio, results);
    }
    return 0;
  }

  private static final double QUIET_BUSY_PERCENT_MAX = 20;
  private static final double OTHER_BUSY_PERCENT_MAX = 15;

  /** Waits, at most {@code --wait-quiet} seconds, until other work stops using the cores. */
  private void waitForQuiet() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitQuietSeconds);
    while (System.nanoTime() - deadline < 0) {
      CpuMeter m = CpuMeter.start();
      try {
        TimeUnit.SECONDS.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for a quiet machine", e);
      }
      CpuMeter.Usage u = m.stop();
      if (u.machinePercent() < QUIET_BUSY_PERCENT_MAX
          && u.diskBusyPercent() < QUIET_BUSY_PERCENT_MAX) {
        return;
      }
      System.err.printf(
          Locale.ROOT,
          "wal-bench: machine CPU %.0f%% busy, disk %.0f%% busy, waiting...%n",
          u.machinePercent(),
          u.diskBusyPercent());
    }
    if (waitQuietSeconds > 0) {
      System.err.println("wal-bench: machine still busy; running anyway (see the CPU columns)");
    }
  }

  private Json runJson(WalLoad.Result r) {
    return new Json()
        .put("appenders", r.appenders())
        .put("sync_mode", r.syncMode().name().toLowerCase(Locale.ROOT))
        .put("duration_s", r.durationSeconds())
        .put("appends_per_s", r.appendsPerSecond())
        .put("fsyncs_per_s", r.fsyncsPerSecond())
        .put("entries_per_fsync", r.entriesPerFsync())
        .put("p50_us", r.p50Micros())
        .put("p99_us", r.p99Micros())
        .put("p999_us", r.p999Micros())
        .put("max_us", r.maxMicros())
        .put("bytes_per_s", r.bytesPerSecond())
        .put("value_bytes", valueBytes)
        .put("appends", r.appends())
        .put("records", r.records())
        .put("fsyncs", r.fsyncs())
        .put("segments", r.segments())
        .put("append_p50_us", r.appendP50Micros())
        .put("append_p99_us", r.appendP99Micros())
        .put("fsync_p50_us", r.forces().p50Nanos() / 1000)
        .put("fsync_p99_us", r.forces().p99Nanos() / 1000)
        .put("fsync_max_us", r.forces().maxNanos() / 1000)
        .put("fsync_busy_pct", r.fsyncBusyPercent())
        .put("fsync_gap_p50_us", r.forces().gapP50Nanos() / 1000)
        .put("fsync_gap_p99_us", r.forces().gapP99Nanos() / 1000)
        .put("fsync_gap_mean_us", r.forces().gapMeanNanos() / 1000)
        .put("cpu_process_pct", r.cpu().processPercent())
        .put("cpu_machine_pct", r.cpu().machinePercent())
        .put("cpu_other_pct", r.cpu().otherPercent())
        .put("context_switches_per_s", r.cpu().contextSwitchesPerSecond());
  }

  static String table(List<WalLoad.Result> results) {
    StringBuilder b = new StringBuilder();
    b.append(
        "| appenders | appends/s | fsyncs/s | entries/fsync | p50 µs | p99 µs | p99.9 µs | max µs |"
            + " MB/s | fsync p50 µs | in fsync % | CPU % bench/machine |\n");
    b.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (WalLoad.Result r : results) {
      b.append(
          String.format(
              Locale.ROOT,
              "| %d | %.0f | %.0f | %.2f | %d | %d | %d | %d | %.2f | %d | %.0f | %.0f / %.0f |%n",
              r.appenders(),
              r.appendsPerSecond(),
              r.fsyncsPerSecond(),
              r.entriesPerFsync(),
              r.p50Micros(),
              r.p99Micros(),
              r.p999Micros(),
              r.maxMicros(),
              r.bytesPerSecond() / 1e6,
              r.forces().p50Nanos() / 1000,
              r.fsyncBusyPercent(),
              r.cpu().processPercent(),
              r.cpu().machinePercent()));
    }
    return b.toString();
  }

  private void save(Path dir, Machine machine, FioProbe fio, List<WalLoad.Result> results)
      throws IOException {
    Files.createDirectories(dir);
    String date = LocalDate.now().toString();
    String base = "wal-" + date;
    for (int n = 2; Files.exists(dir.resolve(base + ".json")); n++) {
      base = "wal-" + date + "-" + n;
    }
    Json machineJson =
        new Json()
            .put("cores", machine.cores())
            .put("jdk", machine.jdk())
            .put("os", machine.os())
            .put("cpu", machine.cpu())
            .put("fs_type", machine.fileSystemType())
            .put("fs_device", machine.fileSystemDevice())
            .put("df_T", machine.dfLine());
    Json config =
        new Json()
            .put("warmup_s", warmupSeconds)
            .put("seconds", measureSeconds)
            .put("value_bytes", valueBytes)
            .put("segment_bytes", segmentBytes)
            .put("sync_mode", syncMode.name().toLowerCase(Locale.ROOT));
    List<String> runs = results.stream().map(r -> "    " + runJson(r)).toList();
    String json =
        "{\n"
            + "  \"bench\": \"wal\",\n"
            + "  \"time\": "
            + Json.quote(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
            + ",\n"
            + "  \"command\": "
            + Json.quote(commandLine)
            + ",\n"
            + "  \"machine\": "
            + machineJson
            + ",\n"
            + "  \"fio\": "
            + fioJson(fio)
            + ",\n"
            + "  \"config\": "
            + config
            + ",\n"
            + "  \"runs\": [\n"
            + String.join(",\n", runs)
            + "\n  ]\n}\n";
    Path jsonFile = dir.resolve(base + ".json");
    Files.writeString(jsonFile, json, StandardCharsets.UTF_8);
    Path mdFile = dir.resolve(base + ".md");
    Files.writeString(mdFile, markdown(date, machine, fio, results), StandardCharsets.UTF_8);
    System.err.println("wal-bench: wrote " + jsonFile + " and " + mdFile);
  }

  private Json fioJson(FioProbe fio) {
    if (fio == null) {
      return new Json().put("note", "skipped (--fio-seconds 0)");
    }
    return new Json()
        .put("command", fio.command())
        .put("sync_percentiles_us", fio.syncPercentilesMicros())
        .put("syncs", fio.syncs())
        .put("sync_mean_us", fio.syncMeanMicros())
        .put("sync_max_us", fio.syncMaxMicros())
        .put("cpu_machine_pct", fioMachinePercent)
        .put("note", fio.note());
  }

  private String markdown(String date, Machine m, FioProbe fio, List<WalLoad.Result> results) {
    StringBuilder b = new StringBuilder();
    b.append("# WAL benchmark, ").append(date).append("\n\n");
    b.append("`").append(commandLine).append("`\n\n");
    b.append("- cores: ").append(m.cores()).append(" (").append(m.cpu()).append(")\n");
    b.append("- JDK: ").append(m.jdk()).append("; OS: ").append(m.os()).append('\n');
    b.append("- test dir file system (`df -T`): `").append(m.dfLine()).append("`\n");
    b.append(
        String.format(
            Locale.ROOT,
            "- each appender: append(1 entry of %d B) then sync(ticket), closed loop; %d s warm-up,"
                + " %d s measured; segments of %d B%n",
            valueBytes,
            warmupSeconds,
            measureSeconds,
            segmentBytes));
    if (syncMode == WalLoad.SyncMode.FLUSHER) {
      b.append(
          "- sync mode FLUSHER (experiment): one thread calls sync for everyone and wakes only the"
              + " appenders its fsync covered\n");
    }
    if (fio == null) {
      b.append("- fio: skipped\n");
    } else {
      b.append("- raw fsync (fio): `").append(fio.command()).append("`\n");
      if (fio.measured()) {
        b.append("  - fdatasync latency µs by percentile: ");
        List<String> parts = new ArrayList<>();
        fio.syncPercentilesMicros().forEach((p, v) -> parts.add("p" + p + " " + v));
        b.append(String.join(", ", parts));
        b.append(
            String.format(
                Locale.ROOT,
                "; mean %.0f, max %d; %d syncs; machine CPU %.0f%% busy meanwhile (fio"
                    + " included)%n",
                fio.syncMeanMicros(),
                fio.syncMaxMicros(),
                fio.syncs(),
                fioMachinePercent));
      } else {
        b.append("  - ").append(fio.note()).append('\n');
      }
    }
    b.append(
        "- fsync p50 µs: the writer's own fsyncs (timed around DiskFile.force); in fsync %: share"
            + " of the measured window the disk spent in an fsync\n");
    b.append(
        "- CPU %: share of all cores used by the benchmark process / by the whole machine in the"
            + " measured window; a gap is other work competing with the benchmark\n");
    b.append('\n').append(table(results));
    return b.toString();
  }

  private static void deleteIfEmpty(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      if (entries.findAny().isEmpty()) {
        Files.delete(dir);
      }
    } catch (IOException e) {
      System.err.println("wal-bench: left " + dir + ": " + e.getMessage());
    }
  }

  /**
   * Deletes {@code dir} and everything under it; a missing directory is fine. A second pass takes
   * what a still-running writer created during the first (an interrupted run's shutdown hook).
   */
  static void deleteTree(Path dir) {
    for (int pass = 1; Files.exists(dir); pass++) {
      try (Stream<Path> walk = Files.walk(dir)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      } catch (IOException | UncheckedIOException e) {
        if (pass >= 2) {
          throw new IllegalStateException("cannot delete " + dir, e);
        }
      }
    }
  }
}
