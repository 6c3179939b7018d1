package io.synod.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU use over a window: this process's share of all cores, the whole machine's, and context
 * switches per second; and how busy the busiest disk was. On a shared machine the difference
 * between the two shares is other work competing with the benchmark, which makes its figures lower
 * than the machine can do.
 */
final class CpuMeter {
  private final int cores = Runtime.getRuntime().availableProcessors();
  private final long wallNanos = System.nanoTime();
  private final long processCpuNanos = processCpuNanos();
  private final long[] machine = procStat();
  private final long diskIoMillis = diskIoMillis();

  /**
   * Shares of all cores in percent (100 = every core busy for the whole window); -1 where the
   * platform does not tell.
   */
  record Usage(
      double processPercent,
      double machinePercent,
      double contextSwitchesPerSecond,
      double diskBusyPercent) {
    /** The share of the cores other processes (and the kernel's own threads) used, 0 if unknown. */
    double otherPercent() {
      return processPercent < 0 || machinePercent < 0
          ? 0
          : Math.max(0, machinePercent - processPercent);
    }
  }

  private CpuMeter() {}

  static CpuMeter start() {
    return new CpuMeter();
  }

  Usage stop() {
    double wall = System.nanoTime() - wallNanos;
    long process = processCpuNanos();
    long[] now = procStat();
    double processPercent =
        process < 0 || processCpuNanos < 0
            ? -1
            : 100.0 * (process - processCpuNanos) / (wall * cores);
    double machinePercent = -1;
    double switchesPerSecond = -1;
    if (now.length == 3 && machine.length == 3 && now[1] > machine[1]) {
      machinePercent = 100.0 * (now[0] - machine[0]) / (now[1] - machine[1]);
      switchesPerSecond = (now[2] - machine[2]) / (wall / 1e9);
    }
    long io = diskIoMillis();
    double diskPercent =
        io < 0 || diskIoMillis < 0 ? -1 : 100.0 * (io - diskIoMillis) / (wall / 1e6);
    return new Usage(processPercent, machinePercent, switchesPerSecond, diskPercent);
  }

  /**
   * The milliseconds the busiest whole disk (not a partition) spent doing IO since boot, from
   * /proc/diskstats; -1 if unknown.
   */
  private static long diskIoMillis() {
    try {
      long max = -1;
      for (String line : Files.readAllLines(Path.of("/proc/diskstats"), StandardCharsets.UTF_8)) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 12 && f[2].matches("vd[a-z]+|sd[a-z]+|xvd[a-z]+|nvme\\d+n\\d+")) {
          max = Math.max(max, Long.parseLong(f[12]));
        }
      }
      return max;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  /** Busy and total jiffies of all cores, and context switches since boot; empty if unknown. */
  private static long[] procStat() {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/stat"), StandardCharsets.UTF_8);
      long busy = 0;
      long total = 0;
      long switches = 0;
      for (String line : lines) {
        String[] f = line.trim().split("\\s+");
        if (f[0].equals("cpu")) {
          // user nice system idle iowait irq softirq steal ...: idle and iowait are not busy.
          for (int i = 1; i < f.length && i <= 8; i++) {
            long v = Long.parseLong(f[i]);
            total += v;
            if (i != 4 && i != 5) {
              busy += v;
            }
          }
        } else if (f[0].equals("ctxt")) {
          switches = Long.parseLong(f[1]);
        }
      }
      return new long[] {busy, total, switches};
    } catch (IOException | RuntimeException e) {
      return new long[0];
    }
  }
}
