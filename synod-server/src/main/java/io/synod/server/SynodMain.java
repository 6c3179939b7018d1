package io.synod.server;

import io.synod.server.etcd.EtcdApi;
import io.synod.server.etcd.SnapshotRestore;
import io.synod.storage.FileLogStore;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code bin/synod}: runs one member with etcd's flags; {@code bin/synod snapshot restore ...}
 * makes a data directory from a snapshot ({@link SnapshotRestore}). Exit codes: 2 for a usage error
 * (one line on stderr), 1 when the member cannot start (data directory refused, port taken) or its
 * replica loop failed; otherwise it runs until SIGTERM/SIGINT and stops cleanly.
 */
public final class SynodMain {
  /** How long a removed member keeps serving, so answers in flight (its own removal) get out. */
  private static final long REMOVED_GRACE_MILLIS = 1_000;

  /**
   * System property: the write-ahead log's segment size in bytes (default 64 MiB, as etcd's). Each
   * segment is zero-filled and synced before use; tests and small machines set it lower.
   */
  public static final String WAL_SEGMENT_BYTES_PROPERTY = "synod.wal.segmentBytes";

  private SynodMain() {}

  public static void main(String[] args) {
    configureLogging();
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    int code = run(args, System.getenv(), out, err);
    if (code >= 0) {
      System.exit(code);
    }
  }

  /**
   * Parses the flags and starts the member. Returns an exit code, or -1 when the member runs (its
   * non-daemon loop thread keeps the JVM alive; a shutdown hook stops it).
   */
  static int run(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err) {
    if (args.length > 0 && args[0].equals("snapshot")) {
      return SnapshotRestore.run(Arrays.copyOfRange(args, 1, args.length), out, err);
    }
    ServerFlags.Parsed parsed = ServerFlags.parse(args, env, out, err);
    if (parsed instanceof ServerFlags.Parsed.Exit e) {
      return e.code();
    }
    ServerConfig cfg = ((ServerFlags.Parsed.Run) parsed).config();
    SynodServer server;
    try {
      server = EtcdApi.start(cfg, options(), SynodMain::onFatal);
    } catch (StartupException e) {
      err.println("synod: " + e.getMessage());
      err.flush();
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "synod-shutdown"));
    server
        .removal()
        .thenAccept(reason -> new Thread(() -> stopRemoved(server), "synod-removed").start());
    return -1;
  }

  /**
   * This member was removed from the cluster (the reason is logged): answers in flight get a moment
   * to leave, then the member stops and the process exits with status 0, as etcd does.
   */
  private static void stopRemoved(SynodServer server) {
    try {
      Thread.sleep(REMOVED_GRACE_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.close();
    Logger.getLogger(SynodMain.class.getName()).info("stopped: removed from the cluster");
    System.exit(0);
  }

  private static SynodServer.Options options() {
    SynodServer.Options options = SynodServer.Options.defaults();
    Long segmentBytes = Long.getLong(WAL_SEGMENT_BYTES_PROPERTY);
    if (segmentBytes != null) {
      FileLogStore.Options s = options.storage();
      options =
          options.withStorage(
              new FileLogStore.Options(
                  segmentBytes,
                  s.snapshotsKept(),
                  s.preallocator(),
                  s.entryBytesInMemory(),
                  s.snapshotWriter()));
    }
    return options;
  }

  /** The replica loop failed: exit so that a restart recovers from disk (fail-stop). */
  private static void onFatal(Throwable cause) {
    Logger.getLogger(SynodMain.class.getName())
        .log(Level.SEVERE, "replica loop failed; exiting", cause);
    // Not on the loop's thread: the shutdown hook waits for that thread to end.
    new Thread(() -> System.exit(1), "synod-exit").start();
  }

  private static void configureLogging() {
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty(
          "java.util.logging.SimpleFormatter.format", "%1$tF %1$tT.%1$tL %4$s %3$s: %5$s%6$s%n");
    }
    Logger.getLogger("io.grpc").setLevel(Level.WARNING);
    Logger.getLogger("io.netty").setLevel(Level.WARNING);
  }
}
