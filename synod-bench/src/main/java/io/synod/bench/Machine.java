package io.synod.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a benchmark ran on: cores, JDK, operating system, processor, and the file system holding the
 * test directory as {@code df -T} reports it.
 */
record Machine(
    int cores,
    String jdk,
    String os,
    String cpu,
    String fileSystemType,
    String fileSystemDevice,
    String dfLine) {

  private static final long COMMAND_SECONDS_MAX = 30;

  /** File systems held in memory: an fsync there measures nothing. */
  boolean isMemoryFileSystem() {
    return fileSystemType.equals("tmpfs") || fileSystemType.equals("ramfs");
  }

  static Machine probe(Path dir) {
    String jdk =
        System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.runtime.version")
            + " ("
            + System.getProperty("java.vendor")
            + ")";
    String os = System.getProperty("os.name") + " " + System.getProperty("os.version");
    List<String> df = run(List.of("df", "-T", dir.toString()));
    String dfLine = df.size() >= 2 ? df.get(df.size() - 1).trim() : "unknown";
    String[] fields = dfLine.split("\\s+");
    return new Machine(
        Runtime.getRuntime().availableProcessors(),
        jdk,
        os,
        cpuModel(),
        fields.length > 1 ? fields[1] : "unknown",
        fields[0],
        dfLine);
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    }
    return "unknown";
  }

  /**
   * Runs {@code command}, waiting at most {@code seconds}, and returns its standard output lines;
   * empty if it could not run or failed.
   */
  static List<String> run(List<String> command, long seconds) {
    try {
      Process p =
          new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      List<String> lines = new ArrayList<>();
      // Drain stdout on another thread, so a chatty process cannot block and outlive the deadline.
      Thread reader =
          new Thread(
              () -> {
                try {
                  String out =
                      new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                  synchronized (lines) {
                    lines.addAll(out.lines().toList());
                  }
                } catch (IOException e) {
                  // The process died or was killed; whatever was read is lost, which we report
                  // below.
                }
              },
              "read-" + command.get(0));
      reader.setDaemon(true);
      reader.start();
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return List.of();
      }
      reader.join(TimeUnit.SECONDS.toMillis(5));
      synchronized (lines) {
        return p.exitValue() == 0 ? List.copyOf(lines) : List.of();
      }
    } catch (IOException e) {
      return List.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command, e);
    }
  }

  static List<String> run(List<String> command) {
    return run(command, COMMAND_SECONDS_MAX);
  }
}
