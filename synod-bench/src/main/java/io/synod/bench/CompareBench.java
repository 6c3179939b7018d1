package io.synod.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/synod-bench compare}: a 3-member Synod cluster beside a 3-member etcd cluster on
 * loopback, fresh data directories on the same disk, both fsyncing every commit (their defaults),
 * the same matrix of workloads against each, alternating per cell (Synod's run, then etcd's), and
 * one table: both figures and the Synod/etcd ratio for throughput, p50 and p99, each cluster's CPU
 * per operation and peak RSS. Writes {@code bench/results/compare-<date>.md} and {@code .json} with
 * the machine's details. The clusters are stopped on every exit, Ctrl-C included.
 */
@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    description =
        "Starts a 3-member Synod and a 3-member etcd cluster on loopback, runs the same matrix"
            + " of etcd v3 API workloads against each, alternating, and prints one table.")
public final class CompareBench implements Callable<Integer> {

  /**
   * One cell of the matrix.
   *
   * @param keys 0 for the run's --keys
   * @param rate 0 for a closed loop
   */
  record Cell(
      String name,
      Workload workload,
      int clients,
      int conns,
      int keys,
      double rate,
      int keysPerWatcher) {}

  /** The matrix. Channels: 3 (one per member) for one client, else 6. */
  static final List<Cell> MATRIX =
      List.of(
          new Cell("put-1", Workload.PUT, 1, 3, 0, 0, 1),
          new Cell("put-64", Workload.PUT, 64, 6, 0, 0, 1),
          new Cell("put-256", Workload.PUT, 256, 6, 0, 0, 1),
          new Cell("range-64", Workload.RANGE, 64, 6, 0, 0, 1),
          new Cell("range-serializable-64", Workload.RANGE_SERIALIZABLE, 64, 6, 0, 0, 1),
          new Cell("txn-cas-64", Workload.TXN_CAS, 64, 6, 0, 0, 1),
          new Cell("lease-16", Workload.LEASE, 16, 6, 0, 0, 1),
          // Contention: 16 clients take turns on one lock name.
          new Cell("lock-16", Workload.LOCK, 16, 6, 1, 0, 1),
          // The same with etcd's client recipe over KV + lease + watch (no v3lock service needed).
          new Cell("lock-recipe-16", Workload.LOCK_RECIPE, 16, 6, 1, 0, 1),
          // Watch latency at the same offered load for both: 200 puts/s, 10 watchers of 100 keys.
          new Cell("watch-16", Workload.WATCH, 16, 6, 1000, 200, 100));

  static final int MEMBERS = 3;
  private static final int WARMUP_PER_CELL_SECONDS_MIN = 2;
  private static final long PAUSE_BETWEEN_RUNS_MILLIS = 1_000;
  private static final long SYNOD_BUILD_SECONDS_MAX = 900;
  private static final int LOOPBACK_ROUND_TRIPS = 5_000;

  @Option(
      names = "--quick",
      description =
          "development run: 3 s measured + 1 s warm-up per run, 1000 keys, 3 s of fio (explicit"
              + " options still win)")
  boolean quick;

  @Option(
      names = "--cells",
      split = ",",
      description = "matrix cells to run (default: all): ${COMPLETION-CANDIDATES}",
      completionCandidates = CellNames.class)
  List<String> cellNames;

  @Option(
      names = "--targets",
      split = ",",
      defaultValue = "synod,etcd",
      description = "clusters to run, in this order per cell (default: ${DEFAULT-VALUE})")
  List<String> targets;

  @Option(names = "--seconds", description = "measured seconds per run (default: 10; quick: 3)")
  Integer seconds;

  /**
   * 15 s, because each JVM member recompiles much of its hot code when the workload changes from
   * one cell to the next (async-profiler: the C2 compiler took 27–37 % of each member's CPU in the
   * first 20 s of put-64 after put-16); 5 s of warm-up measured part of that storm.
   */
  @Option(
      names = "--warmup",
      description =
          "warm-up seconds per run, not counted; long enough for the JIT to settle after the"
              + " previous cell's workload (default: 15; quick: 1)")
  Integer warmupSeconds;

  @Option(
      names = "--cluster-warmup",
      description =
          "seconds of load against each cluster after it starts, split over the selected cells'"
              + " workloads, not counted, so no cell measures a cold JIT (default: 180; quick: 10;"
              + " 0: none)")
  Integer clusterWarmupSeconds;

  @Option(
      names = "--rss-keys",
      description =
          "after the matrix, fresh clusters get this many keys written once and their members'"
              + " resident set is read (default: 1000000; quick: 100000; 0: skip)")
  Integer rssKeys;

  @Option(names = "--keys", description = "key space (default: 10000; quick: 1000)")
  Integer keys;

  @Option(
      names = "--value-size",
      defaultValue = "256",
      description = "bytes per value (default: ${DEFAULT-VALUE})")
  int valueBytes;

  @Option(
      names = "--fio-seconds",
      description = "seconds of fio fsync baseline first; 0 skips it (default: 10; quick: 3)")
  Integer fioSeconds;

  @Option(
      names = "--etcd-bin",
      defaultValue = "/usr/bin/etcd",
      description = "the etcd binary (default: ${DEFAULT-VALUE}; Debian's etcd-server)")
  String etcdBinary;

  @Option(names = "--synod-bin", description = "the Synod launcher (default: <repo>/bin/synod)")
  String synodBinary;

  @Option(
      names = "--synod-ports",
      defaultValue = "23790,23800",
      split = ",",
      description = "Synod's first client and peer ports (default: ${DEFAULT-VALUE})")
  List<Integer> synodPorts;

  @Option(
      names = "--etcd-ports",
      defaultValue = "26379,26389",
      split = ",",
      description = "etcd's first client and peer ports (default: ${DEFAULT-VALUE})")
  List<Integer> etcdPorts;

  @Option(
      names = "--dir",
      description =
          "where to make the clusters' data directories; on the disk to measure"
              + " (default: <repo>/bench/results/tmp)")
  Path parentDir;

  @Option(
      names = "--results",
      description = "where to write compare-<date>.json and .md (default: <repo>/bench/results)")
  Path resultsDir;

  @Option(names = "--no-save", description = "print only; write no results file")
  boolean noSave;

  @Option(
      names = "--keep-data",
      description = "keep the data directories and member logs afterwards")
  boolean keepData;

  @Option(
      names = "--allow-memory-fs",
      description = "run even if the data directory is on tmpfs (the figures then mean little)")
  boolean allowMemoryFs;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "seed of the clients' key choice (default: ${DEFAULT-VALUE})")
  long seed;

  private String commandLine = "bin/synod-bench compare";
  private final List<LocalCluster> running = new ArrayList<>();
  private volatile boolean shuttingDown;

  public static void main(String[] args) {
    CompareBench bench = new CompareBench();
    bench.commandLine =
        "bin/synod-bench compare" + (args.length == 0 ? "" : " " + String.join(" ", args));
    System.exit(LoadBench.commandLine(bench).execute(args));
  }

  /** The run's settings after --quick and the explicit options. */
  record Settings(
      List<Cell> cells,
      List<LocalCluster.Kind> targets,
      int seconds,
      int warmupSeconds,
      int keys,
      int fioSeconds,
      int clusterWarmupSeconds,
      int rssKeys) {}

  Settings settings() {
    List<Cell> cells = select(cellNames);
    List<LocalCluster.Kind> kinds = new ArrayList<>();
    for (String t : targets) {
      LocalCluster.Kind k =
          switch (t.trim().toLowerCase(Locale.ROOT)) {
            case "synod" -> LocalCluster.Kind.SYNOD;
            case "etcd" -> LocalCluster.Kind.ETCD;
            default -> throw usage("--targets: synod and/or etcd, not " + t);
          };
      if (kinds.contains(k)) {
        throw usage("--targets: " + t + " twice");
      }
      kinds.add(k);
    }
    if (kinds.isEmpty()) {
      throw usage("--targets: at least one");
    }
    if (synodPorts.size() != 2 || etcdPorts.size() != 2) {
      throw usage("--synod-ports and --etcd-ports take CLIENT,PEER");
    }
    Settings s =
        new Settings(
            cells,
            List.copyOf(kinds),
            seconds != null ? seconds : quick ? 3 : 10,
            warmupSeconds != null ? warmupSeconds : quick ? 1 : 15,
            keys != null ? keys : quick ? 1000 : 10_000,
            fioSeconds != null ? fioSeconds : quick ? 3 : 10,
            clusterWarmupSeconds != null ? clusterWarmupSeconds : quick ? 10 : 180,
            rssKeys != null ? rssKeys : quick ? 100_000 : 1_000_000);
    try {
      for (Cell c : s.cells()) {
        spec(c, s);
      }
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
    if (s.fioSeconds() < 0 || s.fioSeconds() > 600) {
      throw usage("--fio-seconds must be in 0..600");
    }
    if (s.rssKeys() < 0 || s.rssKeys() > LoadSpec.KEYS_MAX) {
      throw usage("--rss-keys must be in 0.." + LoadSpec.KEYS_MAX);
    }
    if (s.clusterWarmupSeconds() < 0 || s.clusterWarmupSeconds() > 1800) {
      throw usage("--cluster-warmup must be in 0..1800");
    }
    return s;
  }

  static List<Cell> select(List<String> names) {
    if (names == null || names.isEmpty()) {
      return MATRIX;
    }
    List<Cell> cells = new ArrayList<>();
    for (String n : names) {
      Cell found =
          MATRIX.stream()
              .filter(c -> c.name().equals(n.trim()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "--cells: unknown cell '" + n + "'; cells: " + cellList()));
      if (!cells.contains(found)) {
        cells.add(found);
      }
    }
    return cells;
  }

  static String cellList() {
    return String.join(", ", MATRIX.stream().map(Cell::name).toList());
  }

  LoadSpec spec(Cell c, Settings s) {
    return new LoadSpec(
        c.workload(),
        c.clients(),
        c.conns(),
        c.keys() > 0 ? c.keys() : s.keys(),
        valueBytes,
        s.seconds(),
        s.warmupSeconds(),
        c.rate(),
        c.keysPerWatcher(),
        seed);
  }

  private CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(LoadBench.commandLine(this), message);
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    Settings s;
    try {
      s = settings();
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
    Path root = Path.of(System.getProperty("synod.root", ".")).toAbsolutePath().normalize();
    Path parent = parentDir != null ? parentDir : root.resolve("bench/results/tmp");
    Files.createDirectories(parent);
    Path runDir = parent.resolve("compare-" + ProcessHandle.current().pid()).toAbsolutePath();
    if (Files.exists(runDir)) {
      throw new IllegalStateException(runDir + " exists already; remove it first");
    }
    Files.createDirectories(runDir);
    Thread hook =
        new Thread(
            () -> {
              shuttingDown = true;
              System.err.println("compare: interrupted; stopping the clusters");
              stopClusters();
              if (!keepData) {
                WalBench.deleteTree(runDir);
              }
            },
            "compare-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    boolean failed = true;
    try {
      int code = compare(root, runDir, s);
      failed = code != 0;
      return code;
    } catch (IllegalStateException e) {
      // Busy ports, a member that would not start or serve, a failed build: said plainly.
      System.err.println("compare: " + e.getMessage());
      return 1;
    } finally {
      stopClusters();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is shutting down (Ctrl-C, SIGTERM): the hook is running and cleans up.
        return 130;
      }
      if (!keepData && !failed) {
        WalBench.deleteTree(runDir);
      } else {
        System.err.println("compare: data and member logs kept in " + runDir);
      }
    }
  }

  private void stopClusters() {
    List<LocalCluster> toStop;
    synchronized (running) {
      toStop = List.copyOf(running);
      running.clear();
    }
    for (LocalCluster c : toStop) {
      c.close();
    }
  }

  private int compare(Path root, Path runDir, Settings s) throws IOException, InterruptedException {
    Machine machine = Machine.probe(runDir);
    System.err.printf(
        "compare: %d cores, %s, data in %s on %s%n",
        machine.cores(), machine.jdk(), runDir, machine.fileSystemType());
    if (machine.isMemoryFileSystem() && !allowMemoryFs) {
      System.err.println(
          "compare: "
              + runDir
              + " is on "
              + machine.fileSystemType()
              + ", where fsync costs nothing; pick a directory on a disk with --dir");
      return 2;
    }
    FioProbe fio = null;
    if (s.fioSeconds() > 0) {
      Path fioDir = runDir.resolve("fio");
      Files.createDirectories(fioDir);
      System.err.printf("compare: fio fsync baseline for %d s...%n", s.fioSeconds());
      fio = FioProbe.run(fioDir, s.fioSeconds());
      WalBench.deleteTree(fioDir);
      System.err.println(
          "compare: fio " + (fio.measured() ? fio.syncPercentilesMicros() : fio.note()));
    }
    LoopbackProbe loopback = LoopbackProbe.run(LOOPBACK_ROUND_TRIPS);
    System.err.printf(
        "compare: loopback TCP round trip p50 %d µs, p99 %d µs%n",
        loopback.p50Micros(), loopback.p99Micros());
    Map<String, String> versions = versions(root, s.targets());
    List<LocalCluster> clusters = startClusters(root, runDir, s.targets());
    warmUp(clusters, s);
    recordLeaders(clusters, versions, "start");
    long ticksPerSecond = ProcStats.ticksPerSecond();
    List<CompareTable.Row> rows = new ArrayList<>();
    List<String> runJson = new ArrayList<>();
    for (Cell cell : s.cells()) {
      Map<LocalCluster.Kind, CompareTable.Side> sides = new LinkedHashMap<>();
      for (LocalCluster target : clusters) {
        TimeUnit.MILLISECONDS.sleep(PAUSE_BETWEEN_RUNS_MILLIS);
        if (shuttingDown) {
          return 130;
        }
        System.err.printf(
            "compare: %s on %s (%d s warm-up + %d s)...%n",
            cell.name(), target.kind().label(), s.warmupSeconds(), s.seconds());
        Json json = new Json().put("cell", cell.name());
        CompareTable.Side side = runOne(cell, s, target, clusters, ticksPerSecond, json);
        if (shuttingDown) {
          return 130; // The run was cut short by the clusters' shutdown: no figures.
        }
        sides.put(target.kind(), side);
        System.out.println(json);
        System.out.flush();
        runJson.add("    " + json);
      }
      CompareTable.Side notRun = CompareTable.Side.notOk(CompareTable.State.NOT_RUN, "");
      rows.add(
          new CompareTable.Row(
              cell.name(),
              sides.getOrDefault(LocalCluster.Kind.SYNOD, notRun),
              sides.getOrDefault(LocalCluster.Kind.ETCD, notRun)));
    }
    recordLeaders(clusters, versions, "end");
    List<String> names = new ArrayList<>();
    List<List<Long>> rss = new ArrayList<>();
    for (LocalCluster c : clusters) {
      names.add(c.kind().label());
      rss.add(c.peakRssKib());
    }
    stopClusters();
    List<RssFill> fills = fill(root, runDir, s);
    if (shuttingDown) {
      return 130;
    }
    String table = CompareTable.table(rows);
    String rssTable = CompareTable.rssTable(names, rss) + "\n" + RssFill.table(fills);
    System.out.println();
    System.out.print(table);
    System.out.println();
    System.out.print(rssTable);
    if (!noSave) {
      Path dir = resultsDir != null ? resultsDir : root.resolve("bench/results");
      for (RssFill f : fills) {
        runJson.add("    " + new Json().put("cell", "rss-fill").raw("fill", f.toJson().toString()));
      }
      save(dir, machine, fio, loopback, versions, s, runJson, names, rss, table, rssTable);
    }
    return 0;
  }

  /**
   * The memory figure: one fresh cluster of each kind at a time gets {@code --rss-keys} keys
   * written once; see {@link RssFill}. A failure is reported and skipped.
   */
  private List<RssFill> fill(Path root, Path runDir, Settings s) throws InterruptedException {
    List<RssFill> fills = new ArrayList<>();
    if (s.rssKeys() == 0) {
      return fills;
    }
    for (LocalCluster.Kind kind : s.targets()) {
      if (shuttingDown) {
        break;
      }
      System.err.printf(
          Locale.ROOT,
          "compare: fresh %s cluster, writing %,d keys once...%n",
          kind.label(),
          s.rssKeys());
      try {
        LocalCluster c = startClusters(root, runDir.resolve("rss"), List.of(kind)).get(0);
        RssFill f = RssFill.run(c, s.rssKeys(), valueBytes, seed);
        System.err.printf(
            Locale.ROOT,
            "compare:   %.1f s to write; RSS per member %s KiB%n",
            f.fillSeconds(),
            f.rssKib());
        fills.add(f);
      } catch (IOException | RuntimeException e) {
        System.err.println("compare:   " + kind.label() + " fill failed: " + e);
      } finally {
        stopClusters();
      }
    }
    return fills;
  }

  private List<LocalCluster> startClusters(Path root, Path runDir, List<LocalCluster.Kind> kinds)
      throws IOException, InterruptedException {
    List<LocalCluster> clusters = new ArrayList<>();
    for (LocalCluster.Kind kind : kinds) {
      boolean synod = kind == LocalCluster.Kind.SYNOD;
      String binary = synod ? synodBinary(root) : etcdBinary;
      List<Integer> ports = synod ? synodPorts : etcdPorts;
      LocalCluster c;
      synchronized (running) {
        c =
            LocalCluster.start(
                kind, binary, runDir.resolve(kind.label()), MEMBERS, ports.get(0), ports.get(1));
        running.add(c);
      }
      System.err.println("compare: started " + c);
      clusters.add(c);
    }
    for (LocalCluster c : clusters) {
      c.awaitReady();
      System.err.println("compare: " + c.kind().label() + " ready");
    }
    return clusters;
  }

  /** Each cluster's leader now; a change between start and end means an election meanwhile. */
  private static void recordLeaders(
      List<LocalCluster> clusters, Map<String, String> versions, String when)
      throws InterruptedException {
    for (LocalCluster c : clusters) {
      versions.put(c.kind().label() + "_leader_at_" + when, c.leader());
    }
  }

  /**
   * Runs every selected cell's workload against each cluster, not counted, so no cell measures a
   * cold server: JIT compilation of its code paths (a JVM needs minutes of load before its C2
   * compiler goes quiet), connection set-up, first WAL segments. The time is split evenly over the
   * cells, at least {@link #WARMUP_PER_CELL_SECONDS_MIN} each.
   */
  private void warmUp(List<LocalCluster> clusters, Settings s) throws InterruptedException {
    if (s.clusterWarmupSeconds() == 0) {
      return;
    }
    int perCell =
        Math.max(WARMUP_PER_CELL_SECONDS_MIN, s.clusterWarmupSeconds() / s.cells().size());
    for (LocalCluster c : clusters) {
      System.err.printf(
          "compare: warming %s up, %d s of each cell's workload...%n", c.kind().label(), perCell);
      for (Cell cell : s.cells()) {
        if (shuttingDown) {
          return;
        }
        LoadSpec spec = spec(cell, s).withDurations(perCell, 0);
        LoadResult r;
        try {
          r = LoadRun.run(spec, c.kind().label(), c.endpoints(), LoadRun.Window.NONE);
        } catch (RuntimeException e) {
          System.err.printf("compare:   %s: %s%n", cell.name(), e);
          continue;
        }
        System.err.printf(
            Locale.ROOT,
            "compare:   %s: %s%n",
            cell.name(),
            r.supported()
                ? String.format(Locale.ROOT, "%.0f ops/s", r.throughput())
                : r.unsupported());
      }
    }
  }

  private String synodBinary(Path root) {
    return synodBinary != null ? synodBinary : root.resolve("bin/synod").toString();
  }

  /** One run of {@code cell} against {@code target}; fills {@code json} with its line. */
  private CompareTable.Side runOne(
      Cell cell,
      Settings s,
      LocalCluster target,
      List<LocalCluster> clusters,
      long ticksPerSecond,
      Json json)
      throws InterruptedException {
    String dead = target.deadMember();
    if (!dead.isEmpty()) {
      json.put("target", target.kind().label()).put("failed", dead);
      return CompareTable.Side.notOk(CompareTable.State.FAILED, firstLine(dead));
    }
    ClusterWindow window = new ClusterWindow(clusters);
    LoadResult r;
    try {
      r = LoadRun.run(spec(cell, s), target.kind().label(), target.endpoints(), window);
    } catch (RuntimeException e) {
      // A failed set-up (preload, watch creation) or a broken cluster: this run fails, the
      // comparison goes on.
      json.put("target", target.kind().label()).put("failed", String.valueOf(e));
      return CompareTable.Side.notOk(CompareTable.State.FAILED, String.valueOf(e));
    }
    Json line = r.toJson();
    dead = target.deadMember();
    if (!r.supported()) {
      json.raw("run", line.toString());
      return CompareTable.Side.notOk(CompareTable.State.UNSUPPORTED, r.unsupported());
    }
    int self = clusters.indexOf(target);
    double cpuSeconds = window.cpuSeconds(self, ticksPerSecond);
    double cpuMicrosPerOp = cpuSeconds >= 0 && r.ops() > 0 ? cpuSeconds * 1e6 / r.ops() : -1;
    double cores = Runtime.getRuntime().availableProcessors();
    double wall = window.wallSeconds();
    double clustersPercent = 0;
    for (int i = 0; i < clusters.size(); i++) {
      double c = window.cpuSeconds(i, ticksPerSecond);
      clustersPercent += c < 0 ? 0 : 100 * c / (wall * cores);
    }
    double other =
        r.cpu().machinePercent() < 0
            ? -1
            : Math.max(0, r.cpu().machinePercent() - r.cpu().processPercent() - clustersPercent);
    long rssKib = target.peakRssKib().stream().mapToLong(Long::longValue).sum();
    json.raw("run", line.toString())
        .put("cluster_cpu_s", cpuSeconds)
        .put("cpu_us_per_op", cpuMicrosPerOp)
        .put("cluster_cpu_pct", cpuSeconds < 0 ? -1 : 100 * cpuSeconds / (wall * cores))
        .put("clusters_cpu_pct", clustersPercent)
        .put("cpu_other_pct", other)
        .put("peak_rss_mib", rssKib / 1024.0);
    if (!dead.isEmpty()) {
      json.put("failed", dead);
      return CompareTable.Side.notOk(CompareTable.State.FAILED, firstLine(dead));
    }
    System.err.printf(
        Locale.ROOT,
        "compare:   %.0f ops/s, %s, %d errors, %.0f µs CPU/op, other work %.0f%% of the cores%n",
        r.throughput(),
        r.latency(),
        r.errors(),
        cpuMicrosPerOp,
        other);
    return CompareTable.Side.ok(
        r.throughput(),
        r.latency().p50Micros(),
        r.latency().p99Micros(),
        cpuMicrosPerOp,
        r.errors(),
        other);
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** The clusters' CPU ticks at the measured window's edges. */
  private static final class ClusterWindow implements LoadRun.Window {
    private final List<LocalCluster> clusters;
    private final long[] start;
    private final long[] end;
    private long startNanos;
    private long endNanos;

    ClusterWindow(List<LocalCluster> clusters) {
      this.clusters = clusters;
      this.start = new long[clusters.size()];
      this.end = new long[clusters.size()];
    }

    @Override
    public void started() {
      startNanos = System.nanoTime();
      for (int i = 0; i < clusters.size(); i++) {
        start[i] = clusters.get(i).cpuTicks();
      }
    }

    @Override
    public void ended() {
      endNanos = System.nanoTime();
      for (int i = 0; i < clusters.size(); i++) {
        end[i] = clusters.get(i).cpuTicks();
      }
    }

    double wallSeconds() {
      return (endNanos - startNanos) / 1e9;
    }

    /** Cluster {@code i}'s CPU seconds in the window, -1 if unknown (a member gone). */
    double cpuSeconds(int i, long ticksPerSecond) {
      if (start[i] < 0 || end[i] < 0) {
        return -1;
      }
      return (end[i] - start[i]) / (double) ticksPerSecond;
    }
  }

  /**
   * The servers' versions. {@code bin/synod --version} also builds Synod if its sources changed,
   * once, before three members would each start the same build.
   */
  private Map<String, String> versions(Path root, List<LocalCluster.Kind> kinds) {
    Map<String, String> v = new LinkedHashMap<>();
    if (kinds.contains(LocalCluster.Kind.ETCD)) {
      List<String> etcd = Machine.run(List.of(etcdBinary, "--version"));
      v.put("etcd", etcd.isEmpty() ? "unknown (" + etcdBinary + " --version failed)" : etcd.get(0));
    }
    if (kinds.contains(LocalCluster.Kind.SYNOD)) {
      String binary = synodBinary(root);
      System.err.println("compare: " + binary + " --version (builds Synod if needed)...");
      List<String> synod = Machine.run(List.of(binary, "--version"), SYNOD_BUILD_SECONDS_MAX);
      if (synod.isEmpty()) {
        throw new IllegalStateException(
            binary + " --version failed; run it by hand to see why (a build error?)");
      }
      v.put("synod", String.join("; ", synod));
    }
    if (kinds.contains(LocalCluster.Kind.SYNOD)) {
      // The checkout the launcher belongs to (--synod-bin may point at another worktree).
      Path binary = Path.of(synodBinary(root)).toAbsolutePath();
      Path tree = binary.getParent() != null ? binary.getParent().getParent() : null;
      String dir = (tree != null ? tree : root).toString();
      List<String> head = Machine.run(List.of("git", "-C", dir, "rev-parse", "HEAD"));
      List<String> dirty =
          Machine.run(List.of("git", "-C", dir, "status", "--porcelain", "--untracked-files=no"));
      v.put(
          "synod_commit",
          (head.isEmpty() ? "unknown" : head.get(0) + " in " + dir)
              + (dirty.isEmpty() ? "" : " (with uncommitted changes)"));
    }
    return v;
  }

  private void save(
      Path dir,
      Machine m,
      FioProbe fio,
      LoopbackProbe loopback,
      Map<String, String> versions,
      Settings s,
      List<String> runs,
      List<String> names,
      List<List<Long>> rss,
      String table,
      String rssTable)
      throws IOException {
    Files.createDirectories(dir);
    String date = LocalDate.now().toString();
    String base = "compare-" + date;
    for (int n = 2; Files.exists(dir.resolve(base + ".json")) && n < 1000; n++) {
      base = "compare-" + date + "-" + n;
    }
    Json machineJson =
        new Json()
            .put("cores", m.cores())
            .put("jdk", m.jdk())
            .put("os", m.os())
            .put("cpu", m.cpu())
            .put("fs_type", m.fileSystemType())
            .put("df_T", m.dfLine());
    Json versionJson = new Json();
    versions.forEach(versionJson::put);
    Json config =
        new Json()
            .put("members", MEMBERS)
            .put("seconds", s.seconds())
            .put("warmup_s", s.warmupSeconds())
            .put("cluster_warmup_s", s.clusterWarmupSeconds())
            .put("keys", s.keys())
            .put("value_size", valueBytes)
            .put("targets", String.join(",", s.targets().stream().map(k -> k.label()).toList()))
            .put("cells", String.join(",", s.cells().stream().map(Cell::name).toList()));
    Json rssJson = new Json();
    for (int i = 0; i < names.size(); i++) {
      rssJson.raw(names.get(i) + "_kib", rss.get(i).toString());
    }
    String json =
        "{\n"
            + "  \"bench\": \"compare\",\n"
            + "  \"time\": "
            + Json.quote(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
            + ",\n  \"command\": "
            + Json.quote(commandLine)
            + ",\n  \"machine\": "
            + machineJson
            + ",\n  \"fio\": "
            + (fio == null ? new Json().put("note", "skipped") : fio.toJson())
            + ",\n  \"loopback\": "
            + new Json()
                .put("round_trips", loopback.roundTrips())
                .put("p50_us", loopback.p50Micros())
                .put("p99_us", loopback.p99Micros())
                .put("note", loopback.note())
            + ",\n  \"versions\": "
            + versionJson
            + ",\n  \"config\": "
            + config
            + ",\n  \"peak_rss\": "
            + rssJson
            + ",\n  \"runs\": [\n"
            + String.join(",\n", runs)
            + "\n  ]\n}\n";
    Path jsonFile = dir.resolve(base + ".json");
    Files.writeString(jsonFile, json, StandardCharsets.UTF_8);
    Path mdFile = dir.resolve(base + ".md");
    Files.writeString(
        mdFile,
        markdown(date, m, fio, loopback, versions, s, table, rssTable),
        StandardCharsets.UTF_8);
    System.err.println("compare: wrote " + jsonFile + " and " + mdFile);
  }

  private String markdown(
      String date,
      Machine m,
      FioProbe fio,
      LoopbackProbe loopback,
      Map<String, String> versions,
      Settings s,
      String table,
      String rssTable) {
    StringBuilder b = new StringBuilder();
    b.append("# Synod beside etcd, ").append(date).append("\n\n");
    b.append("`").append(commandLine).append("`\n\n");
    b.append("- cores: ").append(m.cores()).append(" (").append(m.cpu()).append(")\n");
    b.append("- JDK: ").append(m.jdk()).append("; OS: ").append(m.os()).append('\n');
    b.append("- data directories' file system (`df -T`): `").append(m.dfLine()).append("`\n");
    versions.forEach((k, v) -> b.append("- ").append(k).append(": ").append(v).append('\n'));
    if (fio != null && fio.measured()) {
      List<String> parts = new ArrayList<>();
      fio.syncPercentilesMicros().forEach((p, v) -> parts.add("p" + p + " " + v));
      b.append("- raw fdatasync latency µs (fio, `")
          .append(fio.command())
          .append("`): ")
          .append(String.join(", ", parts))
          .append('\n');
    } else {
      b.append("- fio: ").append(fio == null ? "skipped" : fio.note()).append('\n');
    }
    b.append(
        String.format(
            Locale.ROOT,
            "- loopback TCP round trip (1 byte, %d times, in the driver's JVM): p50 %d µs, p99 %d"
                + " µs%s%n",
            loopback.roundTrips(),
            loopback.p50Micros(),
            loopback.p99Micros(),
            loopback.note().isEmpty() ? "" : " (" + loopback.note() + ")"));
    b.append(
        String.format(
            Locale.ROOT,
            "- %d members each on loopback, default durability (both fsync their log before"
                + " acknowledging); the load generator in the driver's JVM on the same cores;"
                + " %d s of the cells' workloads against each cluster after its start (not counted); %d s"
                + " warm-up + %d s measured per run; %d keys, %d-byte values; per cell: %s%n",
            MEMBERS,
            s.clusterWarmupSeconds(),
            s.warmupSeconds(),
            s.seconds(),
            s.keys(),
            valueBytes,
            String.join(" run, then ", s.targets().stream().map(k -> k.label()).toList())
                + " run"));
    b.append(
        "- × is Synod's figure over etcd's: above 1 is better for ops/s, below 1 for latency;"
            + " other CPU % is the share of all cores used by neither the generator nor the"
            + " clusters (other work on the machine) during Synod's / etcd's run\n\n");
    b.append(table).append('\n').append(rssTable);
    return b.toString();
  }

  /** The matrix's cell names, for the help text. */
  static final class CellNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return MATRIX.stream().map(Cell::name).iterator();
    }
  }
}
