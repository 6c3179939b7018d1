package io.synod.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The raw fsync latency of the disk under a directory, measured with fio: one job writing 4 KiB
 * blocks sequentially with an fdatasync after each, the same pattern as one appender of the log.
 * The baseline the write-ahead log is judged against: one appender can never beat it, many
 * appenders beat it only by sharing fsyncs.
 *
 * @param command the exact command line run
 * @param syncPercentilesMicros fdatasync latency by percentile ("50", "99", "99.9", ...); empty if
 *     fio is missing or failed
 * @param note why there are no figures, or empty
 */
record FioProbe(
    String command,
    Map<String, Long> syncPercentilesMicros,
    long syncs,
    double syncMeanMicros,
    long syncMaxMicros,
    String note) {

  private static final List<String> PERCENTILES_SHOWN =
      List.of("1", "10", "50", "90", "99", "99.9", "99.99");
  private static final Pattern PERCENTILE = Pattern.compile("\"(\\d+\\.\\d+)\"\\s*:\\s*(\\d+)");

  boolean measured() {
    return !syncPercentilesMicros.isEmpty();
  }

  static List<String> command(Path dir, int seconds) {
    return List.of(
        "fio",
        "--name=fsync",
        "--rw=write",
        "--bs=4k",
        "--size=64m",
        "--fdatasync=1",
        "--directory=" + dir,
        "--runtime=" + seconds,
        "--time_based",
        "--output-format=json");
  }

  /** Runs fio in {@code dir} for {@code seconds}; a missing or failing fio gives a note instead. */
  static FioProbe run(Path dir, int seconds) {
    List<String> command = command(dir, seconds);
    String line = String.join(" ", command);
    // Laying out the 64 MiB file comes on top of the run time.
    List<String> out = Machine.run(command, seconds + 120L);
    String json = String.join("\n", out);
    int sync = json.indexOf("\"sync\"");
    int end = json.indexOf("\"job_runtime\"", Math.max(sync, 0));
    if (sync < 0 || end < 0) {
      return new FioProbe(
          line, Map.of(), 0, 0, 0, "fio missing or failed (apt-get install -y fio); no figures");
    }
    String section = json.substring(sync, end);
    Map<String, Long> byPercentile = new LinkedHashMap<>();
    Map<String, Long> all = new LinkedHashMap<>();
    Matcher m = PERCENTILE.matcher(section);
    while (m.find()) {
      all.put(trimZeros(m.group(1)), Long.parseLong(m.group(2)) / 1000);
    }
    for (String p : PERCENTILES_SHOWN) {
      if (all.containsKey(p)) {
        byPercentile.put(p, all.get(p));
      }
    }
    return new FioProbe(
        line,
        byPercentile,
        (long) number(section, "N"),
        number(section, "mean") / 1000,
        (long) number(section, "max") / 1000,
        "");
  }

  private static String trimZeros(String decimal) {
    return decimal.replaceAll("0+$", "").replaceAll("\\.$", "");
  }

  private static double number(String json, String key) {
    Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*([0-9.]+)").matcher(json);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  /** The probe as a JSON object: its command, figures in µs, or the note why there are none. */
  Json toJson() {
    return new Json()
        .put("command", command)
        .put("sync_percentiles_us", syncPercentilesMicros)
        .put("syncs", syncs)
        .put("sync_mean_us", syncMeanMicros)
        .put("sync_max_us", syncMaxMicros)
        .put("note", note);
  }
}
