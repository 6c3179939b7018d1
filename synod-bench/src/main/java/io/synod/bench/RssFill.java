package io.synod.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The memory a cluster needs to hold a data set: a fresh cluster gets every key of a key space
 * written once (Txns of 100 puts, as the range workloads' preload), then rests, and each member's
 * resident set is read from {@code /proc}. Nothing else runs meanwhile, so the figure is the data
 * set's (plus each server's fixed cost), not history left by other workloads.
 *
 * @param cluster the cluster's name
 * @param keys keys written
 * @param valueBytes bytes per value
 * @param fillSeconds how long writing them took
 * @param rssKib each member's resident set (VmRSS) after the rest, KiB (-1: unknown)
 * @param peakRssKib each member's peak resident set (VmHWM), KiB
 * @param dataDirKib each member's data directory on disk, KiB
 */
record RssFill(
    String cluster,
    int keys,
    int valueBytes,
    double fillSeconds,
    List<Long> rssKib,
    List<Long> peakRssKib,
    List<Long> dataDirKib) {

  /** Time between the last write and the reading: background work (GC, snapshots) settles. */
  static final int REST_SECONDS = 10;

  private static final int CONNS = 6;
  private static final long FILL_SECONDS_MAX = 1_800;

  /** Fills the (fresh, ready) cluster and measures it. */
  static RssFill run(LocalCluster c, int keys, int valueBytes, long seed)
      throws InterruptedException {
    KeySpace space = new KeySpace(keys, valueBytes, seed);
    long start = System.nanoTime();
    try (EtcdChannels channels = EtcdChannels.open(c.endpoints(), CONNS)) {
      KvLoad.preload(channels, space, start + TimeUnit.SECONDS.toNanos(FILL_SECONDS_MAX));
    } catch (LoadWorkload.Unsupported e) {
      throw new IllegalStateException(c.kind().label() + ": " + e.getMessage(), e);
    }
    double fillSeconds = (System.nanoTime() - start) / 1e9;
    TimeUnit.SECONDS.sleep(REST_SECONDS);
    List<Long> disk = new ArrayList<>();
    for (Path d : c.dataDirs()) {
      disk.add(treeKib(d));
    }
    return new RssFill(
        c.kind().label(), keys, valueBytes, fillSeconds, c.rssKib(), c.peakRssKib(), disk);
  }

  /** Sum of every member's resident set, KiB; -1 if one is unknown. */
  long rssSumKib() {
    long sum = 0;
    for (long k : rssKib) {
      if (k < 0) {
        return -1;
      }
      sum += k;
    }
    return sum;
  }

  Json toJson() {
    return new Json()
        .put("cluster", cluster)
        .put("keys", keys)
        .put("value_size", valueBytes)
        .put("fill_s", fillSeconds)
        .raw("rss_kib", rssKib.toString())
        .raw("peak_rss_kib", peakRssKib.toString())
        .raw("data_dir_kib", dataDirKib.toString());
  }

  /** One table of the fills, with each cluster's sum against the first one's. */
  static String table(List<RssFill> fills) {
    if (fills.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    RssFill first = fills.get(0);
    b.append(
        String.format(
            Locale.ROOT,
            "Holding %,d keys of %d B (written once into a fresh cluster, then %d s of rest):%n%n",
            first.keys,
            first.valueBytes,
            REST_SECONDS));
    b.append(
        "| cluster | RSS per member, MiB | sum, MiB | vs "
            + first.cluster
            + " | peak RSS per member, MiB | data dir per member, MiB | fill s |\n");
    b.append("|---|---|---:|---:|---|---|---:|\n");
    for (RssFill f : fills) {
      long sum = f.rssSumKib();
      long base = first.rssSumKib();
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %s | %s | %s | %.1f |%n",
              f.cluster,
              mib(f.rssKib),
              sum < 0 ? "?" : String.format(Locale.ROOT, "%.0f", sum / 1024.0),
              sum < 0 || base <= 0 ? "?" : String.format(Locale.ROOT, "%.2f×", (double) sum / base),
              mib(f.peakRssKib),
              mib(f.dataDirKib),
              f.fillSeconds));
    }
    return b.toString();
  }

  private static String mib(List<Long> kib) {
    List<String> out = new ArrayList<>();
    for (long k : kib) {
      out.add(k < 0 ? "?" : String.format(Locale.ROOT, "%.0f", k / 1024.0));
    }
    return String.join(", ", out);
  }

  private static long treeKib(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      long bytes = 0;
      for (Path p : (Iterable<Path>) files::iterator) {
        if (Files.isRegularFile(p)) {
          bytes += Files.size(p);
        }
      }
      return bytes / 1024;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
