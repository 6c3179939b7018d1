package io.synod.sim;

import io.synod.common.SuppressForbidden;
import io.synod.common.SystemClock;
import io.synod.kv.KvPlantedBug;
import io.synod.raft.PlantedBug;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code bin/synod-sim}: runs simulated seeds and reports failures.
 *
 * <pre>
 *   bin/synod-sim --seeds N [--first-seed S] [--nodes K] [--threads T] [--verbose]
 * </pre>
 *
 * The last line printed is always {@code sim: seeds=N failed=F events=E ops=O}; the exit code is 1
 * if any seed failed and 2 on bad arguments. A failing seed prints its failure and the exact
 * command that replays it.
 */
public final class SimMain {
  private SimMain() {}

  /** Parsed command line. */
  record Args(
      long seeds,
      long firstSeed,
      int nodes,
      int threads,
      boolean verbose,
      boolean trace,
      Set<PlantedBug> bugs,
      Set<KvPlantedBug> kvBugs) {}

  public static void main(String[] argv) {
    Args args;
    try {
      args = parse(argv);
    } catch (IllegalArgumentException e) {
      System.err.println("synod-sim: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (args == null) {
      System.out.println(usage());
      return;
    }
    boolean failed = run(args, System.out, System.err);
    System.exit(failed ? 1 : 0);
  }

  static String usage() {
    return String.join(
        "\n",
        "usage: synod-sim --seeds N [--first-seed S] [--nodes K] [--threads T] [--verbose]",
        "  --seeds N       how many seeds to run (required, 1 or more)",
        "  --first-seed S  the first seed (default: drawn from the clock, and printed)",
        "  --nodes K       fix the founding cluster size (1..9; default: each seed picks)",
        "  --threads T     seeds run in parallel on T threads (default: the number of cores)",
        "  --verbose       print one line per seed",
        "  --trace         print every event of the run (with --seeds 1)",
        "  --planted-bug B switch on a known-wrong rule (testing the simulator itself)");
  }

  /** Returns null for --help. */
  static Args parse(String[] argv) {
    long seeds = -1;
    Long firstSeed = null;
    int nodes = 0;
    int threads = Runtime.getRuntime().availableProcessors();
    boolean verbose = false;
    boolean trace = false;
    Set<PlantedBug> bugs = EnumSet.noneOf(PlantedBug.class);
    Set<KvPlantedBug> kvBugs = EnumSet.noneOf(KvPlantedBug.class);
    for (int i = 0; i < argv.length; i++) {
      String a = argv[i];
      switch (a) {
        case "--help", "-h" -> {
          return null;
        }
        case "--verbose", "-v" -> verbose = true;
        case "--trace" -> trace = true;
        case "--seeds" -> seeds = number(a, value(argv, ++i, a), 1, Long.MAX_VALUE);
        case "--first-seed" ->
            firstSeed = number(a, value(argv, ++i, a), Long.MIN_VALUE, Long.MAX_VALUE);
        case "--nodes" -> nodes = (int) number(a, value(argv, ++i, a), 1, 9);
        case "--threads" -> threads = (int) number(a, value(argv, ++i, a), 1, 256);
        case "--planted-bug" -> {
          String name = value(argv, ++i, a);
          String constant = name.toUpperCase(Locale.ROOT).replace('-', '_');
          if (isConstant(PlantedBug.class, constant)) {
            bugs.add(PlantedBug.valueOf(constant));
          } else if (isConstant(KvPlantedBug.class, constant)) {
            kvBugs.add(KvPlantedBug.valueOf(constant));
          } else {
            throw new IllegalArgumentException(
                "unknown planted bug '"
                    + name
                    + "'; known: "
                    + List.of(PlantedBug.values())
                    + " "
                    + List.of(KvPlantedBug.values()));
          }
        }
        default -> throw new IllegalArgumentException("unknown argument '" + a + "' (try --help)");
      }
    }
    if (seeds < 0) {
      throw new IllegalArgumentException("--seeds is required (try --help)");
    }
    long first = firstSeed != null ? firstSeed : SystemClock.INSTANCE.wallMillis() % 1_000_000_000L;
    if (trace && seeds != 1) {
      throw new IllegalArgumentException("--trace replays one seed: use it with --seeds 1");
    }
    return new Args(seeds, first, nodes, threads, verbose, trace, bugs, kvBugs);
  }

  private static <E extends Enum<E>> boolean isConstant(Class<E> type, String name) {
    for (E e : type.getEnumConstants()) {
      if (e.name().equals(name)) {
        return true;
      }
    }
    return false;
  }

  private static String value(String[] argv, int i, String flag) {
    if (i >= argv.length) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return argv[i];
  }

  private static long number(String flag, String text, long min, long max) {
    long v;
    try {
      v = Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " takes a whole number, not '" + text + "'");
    }
    if (v < min || v > max) {
      throw new IllegalArgumentException(flag + " must be in [" + min + ", " + max + "], not " + v);
    }
    return v;
  }

  /** Runs the seeds; returns whether any failed. */
  static boolean run(Args args, PrintStream out, PrintStream err) {
    out.println(
        "sim: running "
            + args.seeds()
            + " seeds from "
            + args.firstSeed()
            + (args.nodes() > 0 ? " with " + args.nodes() + " nodes" : "")
            + (args.bugs().isEmpty() && args.kvBugs().isEmpty()
                ? ""
                : " with planted bugs " + args.bugs() + args.kvBugs()));
    long startNanos = SystemClock.INSTANCE.monotonicNanos();
    SimResult[] results = runAll(args, err);
    double seconds = (SystemClock.INSTANCE.monotonicNanos() - startNanos) / 1e9;
    long failed = 0;
    long events = 0;
    long ops = 0;
    long unknown = 0;
    for (SimResult r : results) {
      events += r.events();
      ops += r.ops();
      unknown += r.lincheckUnknown() ? 1 : 0;
      if (args.verbose()) {
        out.printf(
            Locale.ROOT,
            "seed %d: %s events=%d ops=%d crashes=%d confchanges=%d transfers=%d trace=%016x%n",
            r.seed(),
            r.failed() ? "FAIL" : "ok",
            r.events(),
            r.ops(),
            r.crashes(),
            r.confChanges(),
            r.transfers(),
            r.traceHash());
        out.println("  options: " + r.options());
      }
      if (r.failed()) {
        failed++;
        out.println("FAIL seed " + r.seed() + ": " + r.failure().get().replace("\n", "\n  "));
        out.println("  options: " + r.options());
        out.println("  replay: " + replayCommand(args, r.seed()));
      }
    }
    List<Long> undecided = new ArrayList<>();
    for (SimResult r : results) {
      if (r.lincheckUnknown()) {
        undecided.add(r.seed());
      }
    }
    if (!undecided.isEmpty()) {
      out.println(
          "sim: linearizability undecided within the search budget for seeds "
              + undecided.subList(0, Math.min(20, undecided.size())));
    }
    out.printf(
        Locale.ROOT,
        "sim: %.1f s, %.0f events/s, %d seeds with linearizability undecided (search budget)%n",
        seconds,
        events / Math.max(seconds, 1e-9),
        unknown);
    out.printf(
        Locale.ROOT,
        "sim: seeds=%d failed=%d events=%d ops=%d%n",
        args.seeds(),
        failed,
        events,
        ops);
    return failed > 0;
  }

  static String replayCommand(Args args, long seed) {
    StringBuilder sb = new StringBuilder("bin/synod-sim --seeds 1 --first-seed ").append(seed);
    if (args.nodes() > 0) {
      sb.append(" --nodes ").append(args.nodes());
    }
    List<Enum<?>> all = new ArrayList<>(args.bugs());
    all.addAll(args.kvBugs());
    for (Enum<?> b : all) {
      sb.append(" --planted-bug ").append(b.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    }
    return sb.append(" --verbose").toString();
  }

  /**
   * Seeds share nothing, so they run in parallel; each one stays single-threaded and deterministic.
   */
  @SuppressForbidden(reason = "the command-line shell runs independent seeds on several threads")
  private static SimResult[] runAll(Args args, PrintStream err) {
    SimResult[] results = new SimResult[(int) args.seeds()];
    AtomicLong next = new AtomicLong();
    AtomicLong finished = new AtomicLong();
    Runnable worker =
        () -> {
          for (long i = next.getAndIncrement(); i < args.seeds(); i = next.getAndIncrement()) {
            long seed = args.firstSeed() + i;
            Simulation sim = new Simulation(seed, args.nodes(), args.bugs(), args.kvBugs());
            if (args.trace()) {
              sim.withEventLog(err::println);
            }
            results[(int) i] = sim.run();
            long done = finished.incrementAndGet();
            if (done % 1000 == 0) {
              err.println("sim: " + done + "/" + args.seeds() + " seeds done");
            }
          }
        };
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < Math.min(args.threads(), args.seeds()); t++) {
      Thread thread = new Thread(worker, "sim-" + t);
      thread.start();
      threads.add(thread);
    }
    for (Thread thread : threads) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while running seeds", e);
      }
    }
    return results;
  }
}
