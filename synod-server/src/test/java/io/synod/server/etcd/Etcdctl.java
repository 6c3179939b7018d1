package io.synod.server.etcd;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Runs the stock {@code etcdctl} 3.4 (Debian's {@code etcd-client}) with {@code ETCDCTL_API=3}
 * against given endpoints. One-shot commands run with a bound and give exit status, stdout and
 * stderr; long-running ones ({@code watch}, {@code lease keep-alive}) give their stdout line by
 * line with bounded waits. A missing etcdctl is a test failure with a clear message, never a skip:
 * CI installs it ({@code .ci/run}).
 */
final class Etcdctl {
  /** How long one command may run. */
  private static final Duration RUN_LIMIT = Duration.ofSeconds(60);

  /** How long a streaming command may take to print its next line. */
  private static final Duration LINE_LIMIT = Duration.ofSeconds(30);

  record Result(int exit, String out, String err) {
    /** stdout's lines. */
    List<String> lines() {
      return out.lines().toList();
    }
  }

  private final Path binary;
  private final String endpoints;
  private final Path scratch;

  private Etcdctl(Path binary, String endpoints, Path scratch) {
    this.binary = binary;
    this.endpoints = endpoints;
    this.scratch = scratch;
  }

  /**
   * etcdctl for {@code endpoints} ("host:port,..."); fails if etcdctl is not on the PATH or is not
   * 3.4. {@code scratch} holds the commands' output files.
   */
  static Etcdctl require(String endpoints, Path scratch) {
    Path found = null;
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, "etcdctl");
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        found = p;
        break;
      }
    }
    if (found == null) {
      throw new AssertionError(
          "etcdctl is not on the PATH: these integration tests need etcd 3.4's etcdctl (Debian"
              + " package etcd-client: apt-get install etcd-client; .ci/run installs it)");
    }
    Etcdctl e = new Etcdctl(found, endpoints, scratch);
    Result v = e.runRaw(List.of("version"), "");
    if (v.exit() != 0 || !v.out().contains("etcdctl version: 3.4.")) {
      throw new AssertionError(
          found + " is not etcdctl 3.4 (`etcdctl version` said: " + v.out() + v.err() + ")");
    }
    return e;
  }

  /** The same etcdctl talking to other endpoints. */
  Etcdctl at(String otherEndpoints) {
    return new Etcdctl(binary, otherEndpoints, scratch);
  }

  /** Runs {@code etcdctl --endpoints=... args} with empty stdin. */
  Result run(String... args) {
    return withInput("", args);
  }

  /** Runs it with {@code stdin} as its input. */
  Result withInput(String stdin, String... args) {
    return runRaw(withEndpoints(args), stdin);
  }

  /** Runs it and fails unless it exits 0. */
  Result ok(String... args) {
    Result r = run(args);
    if (r.exit() != 0) {
      throw new AssertionError(
          "etcdctl " + String.join(" ", args) + " exited " + r.exit() + ": " + r.out() + r.err());
    }
    return r;
  }

  private List<String> withEndpoints(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add("--endpoints=" + endpoints);
    cmd.add("--dial-timeout=5s");
    cmd.add("--command-timeout=20s");
    cmd.addAll(List.of(args));
    return cmd;
  }

  private ProcessBuilder builder(List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(binary.toString());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("ETCDCTL_API", "3");
    return pb;
  }

  private Result runRaw(List<String> args, String stdin) {
    try {
      Files.createDirectories(scratch);
      Path out = Files.createTempFile(scratch, "etcdctl", ".out");
      Path err = Files.createTempFile(scratch, "etcdctl", ".err");
      Process p =
          builder(args)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .redirectInput(ProcessBuilder.Redirect.PIPE)
              .start();
      try (Writer w = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
        w.write(stdin);
      }
      if (!p.waitFor(RUN_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(RUN_LIMIT.toSeconds(), TimeUnit.SECONDS);
        throw new AssertionError("etcdctl " + args + " did not finish within " + RUN_LIMIT);
      }
      return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** Starts a long-running command ({@code watch}, {@code lease keep-alive}). */
  Stream start(String... args) {
    try {
      return new Stream(builder(withEndpoints(args)).redirectErrorStream(false).start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A running etcdctl: its stdout line by line, its stdin, and its end. */
  static final class Stream implements AutoCloseable {
    private static final String END = new String("<end of output>");
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> errors = new LinkedBlockingQueue<>();
    private final Writer stdin;

    Stream(Process process) {
      this.process = process;
      this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      pump(new BufferedReader(new InputStreamReader(process.getInputStream(), UTF8)), lines);
      pump(new BufferedReader(new InputStreamReader(process.getErrorStream(), UTF8)), errors);
    }

    private static final java.nio.charset.Charset UTF8 = StandardCharsets.UTF_8;

    private static void pump(BufferedReader r, BlockingQueue<String> to) {
      Thread t =
          new Thread(
              () -> {
                try (r) {
                  String line;
                  while ((line = r.readLine()) != null) {
                    to.add(line);
                  }
                } catch (IOException e) {
                  // the process went away
                } finally {
                  to.add(END);
                }
              },
              "etcdctl-output");
      t.setDaemon(true);
      t.start();
    }

    /** The next stdout line; fails if none comes within the bound or the output ended. */
    String next() throws InterruptedException {
      String line = lines.poll(LINE_LIMIT.toSeconds(), TimeUnit.SECONDS);
      if (line == null) {
        throw new AssertionError("etcdctl printed no line within " + LINE_LIMIT + stderr());
      }
      if (line == END) {
        lines.add(END);
        throw new AssertionError("etcdctl's output ended" + stderr());
      }
      return line;
    }

    /** The next {@code n} stdout lines. */
    List<String> next(int n) throws InterruptedException {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        out.add(next());
      }
      return out;
    }

    /** Sends a line to its stdin ({@code watch -i}). */
    void send(String line) throws IOException {
      stdin.write(line + "\n");
      stdin.flush();
    }

    /** Whether it printed a line not yet taken. */
    boolean hasLine() {
      String line = lines.peek();
      return line != null && line != END;
    }

    /** SIGTERM (etcdctl cleans up: a lock holder unlocks); returns the exit status. */
    int terminate() throws InterruptedException {
      process.destroy();
      return awaitExit();
    }

    /** Waits (bounded) for it to exit by itself; returns the exit status. */
    int awaitExit() throws InterruptedException {
      if (!process.waitFor(LINE_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
        throw new AssertionError("etcdctl did not exit within " + LINE_LIMIT + stderr());
      }
      return process.exitValue();
    }

    /** Everything it wrote to stderr so far. */
    String stderr() {
      List<String> all = new ArrayList<>();
      errors.drainTo(all);
      all.remove(END);
      errors.addAll(all);
      return all.isEmpty() ? "" : "; stderr: " + String.join("\n", all);
    }

    /** Whether it is still running. */
    boolean isAlive() {
      return process.isAlive();
    }

    /** SIGKILL: it dies at once, cleaning up nothing (its session lease is left to expire). */
    void kill() throws InterruptedException {
      process.destroyForcibly();
      if (!process.waitFor(LINE_LIMIT.toSeconds(), TimeUnit.SECONDS)
          || process.exitValue() != 137) {
        throw new AssertionError("etcdctl survived SIGKILL" + stderr());
      }
    }

    @Override
    public void close() {
      process.destroyForcibly();
      try {
        process.waitFor(LINE_LIMIT.toSeconds(), TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
