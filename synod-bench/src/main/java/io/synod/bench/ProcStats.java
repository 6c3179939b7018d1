package io.synod.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Another process's CPU time and peak memory, from Linux's /proc: {@code /proc/<pid>/stat} fields
 * 14 and 15 (utime and stime, in clock ticks, all threads) and {@code /proc/<pid>/status} VmHWM
 * (the resident set's high-water mark). Stateless.
 */
final class ProcStats {
  private static final long DEFAULT_TICKS_PER_SECOND = 100;

  private ProcStats() {}

  /** utime + stime of {@code pid} in clock ticks; -1 if the process is gone or /proc unreadable. */
  static long cpuTicks(long pid) {
    try {
      return parseCpuTicks(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The peak resident set of {@code pid} in KiB; -1 if unknown. */
  static long peakRssKib(long pid) {
    try {
      return parseVmHwmKib(
          Files.readAllLines(
              Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The current resident set of {@code pid} in KiB; -1 if unknown. */
  static long rssKib(long pid) {
    try {
      return parseStatusKib(
          Files.readAllLines(
              Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.UTF_8),
          "VmRSS:");
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * utime + stime from a {@code /proc/<pid>/stat} line. The command name (field 2) is in
   * parentheses and may itself hold spaces and parentheses, so fields are counted from the last
   * ')'.
   */
  static long parseCpuTicks(String stat) {
    int close = stat.lastIndexOf(')');
    if (close < 0) {
      throw new IllegalArgumentException("not a /proc/<pid>/stat line: " + stat);
    }
    String[] f = stat.substring(close + 1).trim().split("\\s+");
    // f[0] is field 3 (state); utime is field 14, stime field 15.
    if (f.length < 13) {
      throw new IllegalArgumentException("short /proc/<pid>/stat line: " + stat);
    }
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** VmHWM in KiB from the lines of {@code /proc/<pid>/status}; -1 if absent. */
  static long parseVmHwmKib(List<String> status) {
    return parseStatusKib(status, "VmHWM:");
  }

  /** The KiB figure of the {@code field} line of {@code /proc/<pid>/status}; -1 if absent. */
  static long parseStatusKib(List<String> status, String field) {
    for (String line : status) {
      if (line.startsWith(field)) {
        String[] f = line.substring(field.length()).trim().split("\\s+");
        return Long.parseLong(f[0]);
      }
    }
    return -1;
  }

  /** The kernel's clock ticks per second (getconf CLK_TCK), 100 if it cannot tell. */
  static long ticksPerSecond() {
    List<String> out = Machine.run(List.of("getconf", "CLK_TCK"));
    try {
      return out.isEmpty() ? DEFAULT_TICKS_PER_SECOND : Long.parseLong(out.get(0).trim());
    } catch (NumberFormatException e) {
      return DEFAULT_TICKS_PER_SECOND;
    }
  }
}
