package io.synod.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The comparison's table: per matrix cell, Synod's and etcd's throughput, p50 and p99 with the
 * Synod/etcd ratio of each, CPU per operation, errors, and how much other work competed. Pure
 * formatting, no I/O.
 */
final class CompareTable {
  private CompareTable() {}

  /** How a run ended. */
  enum State {
    OK,
    /** The target answered UNIMPLEMENTED. */
    UNSUPPORTED,
    /** The run failed (a member died, the set-up failed). */
    FAILED,
    /** The target was not part of this comparison. */
    NOT_RUN
  }

  /**
   * One target's figures in one cell.
   *
   * @param cpuMicrosPerOp the target cluster's CPU time (all members) per operation; -1 if unknown
   * @param otherCpuPercent share of all cores used by neither the generator nor either cluster
   *     during the window: other work on the machine; -1 if unknown
   */
  record Side(
      State state,
      String note,
      double throughput,
      long p50Micros,
      long p99Micros,
      double cpuMicrosPerOp,
      long errors,
      double otherCpuPercent) {

    static Side ok(
        double throughput,
        long p50Micros,
        long p99Micros,
        double cpuMicrosPerOp,
        long errors,
        double otherCpuPercent) {
      return new Side(
          State.OK, "", throughput, p50Micros, p99Micros, cpuMicrosPerOp, errors, otherCpuPercent);
    }

    static Side notOk(State state, String note) {
      return new Side(state, note, 0, 0, 0, -1, 0, -1);
    }

    boolean ok() {
      return state == State.OK;
    }
  }

  record Row(String cell, Side synod, Side etcd) {}

  /** Synod's figure over etcd's, two decimals; "–" if either is missing or etcd's is zero. */
  static String ratio(Side synod, Side etcd, double synodValue, double etcdValue) {
    if (!synod.ok() || !etcd.ok() || etcdValue <= 0 || synodValue < 0) {
      return "–";
    }
    return String.format(Locale.ROOT, "%.2f", synodValue / etcdValue);
  }

  static String number(double v) {
    if (v >= 100 || v == 0) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    return String.format(Locale.ROOT, v >= 10 ? "%.1f" : "%.2f", v);
  }

  private static String value(Side s, double v) {
    return switch (s.state()) {
      case OK -> v < 0 ? "?" : number(v);
      case UNSUPPORTED -> "unsupported";
      case FAILED -> "failed";
      case NOT_RUN -> "–";
    };
  }

  private static String pair(Side synod, Side etcd, long synodValue, long etcdValue) {
    return (synod.ok() ? Long.toString(synodValue) : "–")
        + " / "
        + (etcd.ok() ? Long.toString(etcdValue) : "–");
  }

  private static String percentPair(Side synod, Side etcd) {
    return (synod.ok() && synod.otherCpuPercent() >= 0 ? number(synod.otherCpuPercent()) : "–")
        + " / "
        + (etcd.ok() && etcd.otherCpuPercent() >= 0 ? number(etcd.otherCpuPercent()) : "–");
  }

  /** The markdown table, one row per cell, then the notes of unsupported or failed runs. */
  static String table(List<Row> rows) {
    StringBuilder b = new StringBuilder();
    b.append(
        "| cell | ops/s Synod | ops/s etcd | × | p50 µs Synod | p50 µs etcd | × | p99 µs Synod |"
            + " p99 µs etcd | × | CPU µs/op Synod | CPU µs/op etcd | errors S / e | other CPU %"
            + " S / e |\n");
    b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    List<String> notes = new ArrayList<>();
    for (Row r : rows) {
      Side s = r.synod();
      Side e = r.etcd();
      List<String> cells = new ArrayList<>(List.of(r.cell()));
      for (ToDoubleFunction<Side> figure :
          List.<ToDoubleFunction<Side>>of(Side::throughput, Side::p50Micros, Side::p99Micros)) {
        double sv = figure.applyAsDouble(s);
        double ev = figure.applyAsDouble(e);
        cells.addAll(List.of(value(s, sv), value(e, ev), ratio(s, e, sv, ev)));
      }
      cells.add(value(s, s.cpuMicrosPerOp()));
      cells.add(value(e, e.cpuMicrosPerOp()));
      cells.add(pair(s, e, s.errors(), e.errors()));
      cells.add(percentPair(s, e));
      b.append("| ").append(String.join(" | ", cells)).append(" |\n");
      addNote(notes, r.cell(), "Synod", s);
      addNote(notes, r.cell(), "etcd", e);
    }
    if (!notes.isEmpty()) {
      b.append('\n');
      notes.forEach(n -> b.append("- ").append(n).append('\n'));
    }
    return b.toString();
  }

  private static void addNote(List<String> notes, String cell, String target, Side s) {
    if ((s.state() == State.UNSUPPORTED || s.state() == State.FAILED) && !s.note().isEmpty()) {
      String state = s.state() == State.UNSUPPORTED ? "unsupported" : "failed";
      notes.add(cell + ", " + target + " " + state + ": " + s.note().replace('\n', ' '));
    }
  }

  /**
   * Peak resident set per member and summed, in MiB, one row per cluster.
   *
   * @param rssKibByCluster the clusters' names and their members' VmHWM in KiB (-1: unknown)
   */
  static String rssTable(List<String> clusters, List<List<Long>> rssKibByCluster) {
    StringBuilder b = new StringBuilder();
    b.append("| cluster | peak RSS per member, MiB | sum, MiB |\n|---|---|---:|\n");
    for (int i = 0; i < clusters.size(); i++) {
      List<Long> kib = rssKibByCluster.get(i);
      List<String> each = new ArrayList<>();
      long sum = 0;
      boolean known = true;
      for (long k : kib) {
        if (k < 0) {
          each.add("?");
          known = false;
        } else {
          each.add(String.format(Locale.ROOT, "%.0f", k / 1024.0));
          sum += k;
        }
      }
      b.append("| ")
          .append(clusters.get(i))
          .append(" | ")
          .append(String.join(", ", each))
          .append(" | ")
          .append(known ? String.format(Locale.ROOT, "%.0f", sum / 1024.0) : "?")
          .append(" |\n");
    }
    return b.toString();
  }
}
