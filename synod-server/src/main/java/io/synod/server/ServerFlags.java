package io.synod.server;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * etcd 3.4's command-line flags, with etcd's defaults, also read from {@code ETCD_*} environment
 * variables ({@code --initial-cluster-token} from {@code ETCD_INITIAL_CLUSTER_TOKEN}). A flag given
 * both ways is an error, as in etcd 3.4. Flags of etcd that mean nothing to Synod (logging,
 * metrics, v2, TLS files, discovery, {@code --experimental-*}) are accepted with a one-line
 * warning. An unknown or invalid flag is one line on stderr and exit code 2.
 *
 * <p>Go's flag syntax is accepted too: {@code -name x} and {@code -name=x} mean {@code --name x}.
 */
@Command(
    name = "synod",
    mixinStandardHelpOptions = true,
    versionProvider = ServerFlags.Version.class,
    sortOptions = false,
    description = "Runs a Synod member: an etcd v3-compatible coordination service.")
public final class ServerFlags {
  /** What {@link #parse} decided. */
  public sealed interface Parsed {
    /** Run a member with {@code config}; {@code warnings} were already printed. */
    record Run(ServerConfig config, List<String> warnings) implements Parsed {}

    /** Exit at once with {@code code} (0 after --help or --version, 2 for a usage error). */
    record Exit(int code) implements Parsed {}
  }

  /** The exit code of a usage error, as picocli and Go's flag package use. */
  public static final int USAGE_EXIT_CODE = 2;

  /** etcd flags that take no value and mean nothing to Synod. */
  static final List<String> IGNORED_SWITCHES =
      List.of(
          "--debug",
          "--enable-v2",
          "--enable-pprof",
          "--enable-grpc-gateway",
          "--strict-reconfig-check",
          "--pre-vote",
          "--initial-election-tick-advance",
          "--auto-tls",
          "--peer-auto-tls",
          "--client-cert-auth",
          "--peer-client-cert-auth",
          "--unsafe-no-fsync",
          "--socket-reuse-port",
          "--socket-reuse-address");

  /** etcd flags that take a value and mean nothing to Synod. */
  static final List<String> IGNORED_VALUES =
      List.of(
          "--logger",
          "--log-outputs",
          "--log-level",
          "--log-package-levels",
          "--listen-metrics-urls",
          "--metrics",
          "--wal-dir",
          "--max-snapshots",
          "--max-wals",
          "--cors",
          "--host-whitelist",
          "--grpc-keepalive-interval",
          "--grpc-keepalive-timeout",
          "--backend-batch-interval",
          "--backend-batch-limit",
          "--max-concurrent-streams",
          "--discovery",
          "--discovery-fallback",
          "--discovery-proxy",
          "--discovery-srv",
          "--discovery-srv-name",
          "--proxy",
          "--proxy-failure-wait",
          "--proxy-refresh-interval",
          "--proxy-dial-timeout",
          "--proxy-write-timeout",
          "--proxy-read-timeout",
          "--auth-token",
          "--bcrypt-cost",
          "--cert-file",
          "--key-file",
          "--trusted-ca-file",
          "--client-crl-file",
          "--peer-cert-file",
          "--peer-key-file",
          "--peer-trusted-ca-file",
          "--peer-crl-file",
          "--peer-cert-allowed-cn",
          "--peer-cert-allowed-hostname",
          "--cipher-suites");

  @Option(
      names = "--name",
      defaultValue = "default",
      paramLabel = "NAME",
      description = "Human-readable name for this member (default: ${DEFAULT-VALUE}).")
  String name;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Path to the data directory (default: ${NAME}.etcd).")
  String dataDir;

  @Option(
      names = "--listen-client-urls",
      defaultValue = "http://localhost:2379",
      paramLabel = "URLS",
      description =
          "URLs to listen on for client traffic, gRPC and HTTP (default: ${DEFAULT-VALUE}).")
  String listenClientUrls;

  @Option(
      names = "--advertise-client-urls",
      defaultValue = "http://localhost:2379",
      paramLabel = "URLS",
      description = "This member's client URLs to advertise (default: ${DEFAULT-VALUE}).")
  String advertiseClientUrls;

  @Option(
      names = "--listen-peer-urls",
      defaultValue = "http://localhost:2380",
      paramLabel = "URLS",
      description = "URLs to listen on for peer traffic (default: ${DEFAULT-VALUE}).")
  String listenPeerUrls;

  @Option(
      names = "--initial-advertise-peer-urls",
      defaultValue = "http://localhost:2380",
      paramLabel = "URLS",
      description =
          "This member's peer URLs to advertise to the cluster (default: ${DEFAULT-VALUE}).")
  String initialAdvertisePeerUrls;

  @Option(
      names = "--initial-cluster",
      paramLabel = "NAME=URL,...",
      description =
          "Initial cluster configuration for bootstrapping (default: NAME=the advertised peer URLs).")
  String initialCluster;

  @Option(
      names = "--initial-cluster-state",
      defaultValue = "new",
      paramLabel = "new|existing",
      description = "Found a new cluster, or join an existing one (default: ${DEFAULT-VALUE}).")
  String initialClusterState;

  @Option(
      names = "--initial-cluster-token",
      defaultValue = "etcd-cluster",
      paramLabel = "TOKEN",
      description = "Initial cluster token, mixed into member ids (default: ${DEFAULT-VALUE}).")
  String initialClusterToken;

  @Option(
      names = "--heartbeat-interval",
      defaultValue = "100",
      paramLabel = "MS",
      description = "Time (in milliseconds) of a heartbeat interval (default: ${DEFAULT-VALUE}).")
  long heartbeatMillis;

  @Option(
      names = "--election-timeout",
      defaultValue = "1000",
      paramLabel = "MS",
      description =
          "Time (in milliseconds) for an election to timeout (default: ${DEFAULT-VALUE}).")
  long electionMillis;

  @Option(
      names = "--snapshot-count",
      defaultValue = "100000",
      paramLabel = "N",
      description =
          "Applied entries between two snapshots (default: ${DEFAULT-VALUE}); a snapshot also"
              + " waits until the log since the last one is as large as the state.")
  long snapshotCount;

  @Option(
      names = "--quota-backend-bytes",
      defaultValue = "0",
      paramLabel = "BYTES",
      description = "Storage quota; 0 means the default of 2 GiB (default: ${DEFAULT-VALUE}).")
  long quotaBackendBytes;

  @Option(
      names = "--max-txn-ops",
      defaultValue = "128",
      paramLabel = "N",
      description = "Maximum number of operations in a transaction (default: ${DEFAULT-VALUE}).")
  int maxTxnOps;

  @Option(
      names = "--max-request-bytes",
      defaultValue = "1572864",
      paramLabel = "BYTES",
      description = "Maximum client request size in bytes (default: ${DEFAULT-VALUE}).")
  int maxRequestBytes;

  @Option(
      names = "--auto-compaction-mode",
      defaultValue = "periodic",
      paramLabel = "periodic|revision",
      description = "Interpretation of --auto-compaction-retention (default: ${DEFAULT-VALUE}).")
  String autoCompactionMode;

  @Option(
      names = "--auto-compaction-retention",
      defaultValue = "0",
      paramLabel = "RETENTION",
      description = "Auto compaction retention; 0 disables it (default: ${DEFAULT-VALUE}).")
  String autoCompactionRetention;

  @Option(
      names = "--grpc-keepalive-min-time",
      defaultValue = "5s",
      paramLabel = "DURATION",
      description =
          "Minimum interval a client should wait before pinging (default: ${DEFAULT-VALUE}).")
  String grpcKeepAliveMinTime;

  private ServerFlags() {}

  /** The environment variable that can set {@code flag} ({@code --data-dir}: ETCD_DATA_DIR). */
  static String envName(String flag) {
    return "ETCD_" + flag.substring(2).replace('-', '_').toUpperCase(Locale.ROOT);
  }

  /**
   * Parses {@code args} and the {@code ETCD_*} entries of {@code env}. Help, version, warnings and
   * errors are printed to {@code out} and {@code err}.
   */
  public static Parsed parse(
      String[] args, Map<String, String> env, PrintWriter out, PrintWriter err) {
    List<String> warnings = new ArrayList<>();
    List<String> normalized = normalize(args, warnings);
    ServerFlags flags = new ServerFlags();
    CommandLine cmd = new CommandLine(flags);
    CommandSpec spec = cmd.getCommandSpec();
    for (String name : IGNORED_SWITCHES) {
      spec.addOption(
          OptionSpec.builder(name).arity("0..1").fallbackValue("true").hidden(true).build());
    }
    for (String name : IGNORED_VALUES) {
      spec.addOption(OptionSpec.builder(name).arity("1").hidden(true).build());
    }
    cmd.setDefaultValueProvider(
        (ArgSpec arg) -> arg instanceof OptionSpec o ? env.get(envName(o.longestName())) : null);
    try {
      ParseResult result = cmd.parseArgs(normalized.toArray(String[]::new));
      if (result.isUsageHelpRequested()) {
        cmd.usage(out);
        out.flush();
        return new Parsed.Exit(0);
      }
      if (result.isVersionHelpRequested()) {
        cmd.printVersionHelp(out);
        out.flush();
        return new Parsed.Exit(0);
      }
      Set<String> explicit = checkEnvironment(spec, result, env, warnings);
      for (String name : concat(IGNORED_SWITCHES, IGNORED_VALUES)) {
        if (explicit.contains(name)) {
          warnings.add(ignoredWarning(name));
        }
      }
      ServerConfig config = flags.toConfig(explicit);
      for (String w : warnings) {
        err.println("synod: warning: " + w);
      }
      err.flush();
      return new Parsed.Run(config, List.copyOf(warnings));
    } catch (ParameterException | IllegalArgumentException e) {
      err.println("synod: " + oneLine(e.getMessage()) + " (see synod --help)");
      err.flush();
      return new Parsed.Exit(USAGE_EXIT_CODE);
    }
  }

  private static String ignoredWarning(String name) {
    if (name.contains("cert") || name.contains("key-file") || name.contains("tls")) {
      return "ignoring " + name + ": TLS is not supported yet";
    }
    if (name.equals("--wal-dir")) {
      return "ignoring --wal-dir: Synod keeps its log inside --data-dir";
    }
    return "ignoring " + name + ": it means nothing to Synod";
  }

  /**
   * Go's flag syntax ({@code -name}) becomes picocli's ({@code --name}); experiments are dropped.
   */
  private static List<String> normalize(String[] args, List<String> warnings) {
    List<String> out = new ArrayList<>();
    for (String a : args) {
      String s = a;
      if (s.length() > 2 && s.charAt(0) == '-' && Character.isLetter(s.charAt(1))) {
        s = "-" + s;
      }
      if (s.startsWith("--experimental-")) {
        int eq = s.indexOf('=');
        warnings.add("ignoring " + (eq < 0 ? s : s.substring(0, eq)) + ": experimental etcd flag");
        continue;
      }
      out.add(s);
    }
    return out;
  }

  /**
   * etcd 3.4 refuses a flag set both on the command line and in the environment, and warns about
   * {@code ETCD_*} variables that name no flag. Returns the flags set either way.
   */
  private static Set<String> checkEnvironment(
      CommandSpec spec, ParseResult result, Map<String, String> env, List<String> warnings) {
    Set<String> explicit = new LinkedHashSet<>();
    Set<String> known = new LinkedHashSet<>();
    for (OptionSpec o : spec.options()) {
      String name = o.longestName();
      if (!name.startsWith("--") || name.equals("--help") || name.equals("--version")) {
        continue;
      }
      String envName = envName(name);
      known.add(envName);
      boolean onCommandLine = result.hasMatchedOption(name);
      if (onCommandLine && env.containsKey(envName)) {
        throw new IllegalArgumentException(
            "conflicting environment variable \""
                + envName
                + "\" is shadowed by corresponding command-line flag "
                + "(either unset environment variable or disable flag)");
      }
      if (onCommandLine || env.containsKey(envName)) {
        explicit.add(name);
      }
    }
    for (String key : new TreeMap<>(env).keySet()) {
      if (key.startsWith("ETCD_")
          && !known.contains(key)
          && !key.startsWith("ETCD_EXPERIMENTAL_")) {
        warnings.add("unrecognized environment variable " + key);
      }
    }
    return explicit;
  }

  private ServerConfig toConfig(Set<String> explicit) {
    if (name.isEmpty()) {
      throw new IllegalArgumentException("--name must not be empty");
    }
    List<String> advertisePeers =
        PeerUrls.parseList("--initial-advertise-peer-urls", initialAdvertisePeerUrls);
    InitialCluster cluster =
        initialCluster == null
            ? InitialCluster.single(name, advertisePeers)
            : InitialCluster.parse(initialCluster);
    ClusterState state =
        switch (initialClusterState) {
          case "new" -> ClusterState.NEW;
          case "existing" -> ClusterState.EXISTING;
          default ->
              throw new IllegalArgumentException(
                  "--initial-cluster-state: invalid value \""
                      + initialClusterState
                      + "\" (valid values: new, existing)");
        };
    checkSelfInCluster(cluster, advertisePeers);
    checkTiming();
    positive("--snapshot-count", snapshotCount);
    positive("--max-txn-ops", maxTxnOps);
    positive("--max-request-bytes", maxRequestBytes);
    if (quotaBackendBytes < 0) {
      throw new IllegalArgumentException("--quota-backend-bytes must not be negative");
    }
    if (!autoCompactionMode.equals("periodic") && !autoCompactionMode.equals("revision")) {
      throw new IllegalArgumentException(
          "--auto-compaction-mode: invalid value \""
              + autoCompactionMode
              + "\" (valid values: periodic, revision)");
    }
    checkRetention();
    long keepAliveMinMillis =
        GoDuration.parseMillis("--grpc-keepalive-min-time", grpcKeepAliveMinTime);
    if (keepAliveMinMillis <= 0) {
      throw new IllegalArgumentException("--grpc-keepalive-min-time must be positive");
    }
    return new ServerConfig(
        name,
        Path.of(dataDir == null ? name + ".etcd" : dataDir),
        PeerUrls.parseList("--listen-client-urls", listenClientUrls),
        PeerUrls.parseList("--advertise-client-urls", advertiseClientUrls),
        PeerUrls.parseList("--listen-peer-urls", listenPeerUrls),
        advertisePeers,
        cluster,
        state,
        initialClusterToken,
        heartbeatMillis,
        electionMillis,
        snapshotCount,
        quotaBackendBytes,
        maxTxnOps,
        maxRequestBytes,
        autoCompactionMode,
        autoCompactionRetention,
        keepAliveMinMillis,
        explicit);
  }

  /** etcd: this member must be in the initial cluster, with exactly its advertised peer URLs. */
  private void checkSelfInCluster(InitialCluster cluster, List<String> advertisePeers) {
    List<String> mine = cluster.members().get(name);
    if (mine == null) {
      throw new IllegalArgumentException(
          "couldn't find local name \"" + name + "\" in the initial cluster configuration");
    }
    List<String> advertised = InitialCluster.single(name, advertisePeers).members().get(name);
    if (!mine.equals(advertised)) {
      throw new IllegalArgumentException(
          "--initial-cluster has "
              + name
              + "="
              + String.join(",", mine)
              + " but --initial-advertise-peer-urls is "
              + String.join(",", advertised));
    }
  }

  private void checkTiming() {
    positive("--heartbeat-interval", heartbeatMillis);
    if (electionMillis < 5 * heartbeatMillis) {
      throw new IllegalArgumentException(
          "--election-timeout["
              + electionMillis
              + "ms] should be at least as 5 times as --heartbeat-interval["
              + heartbeatMillis
              + "ms]");
    }
    if (electionMillis > 50_000) {
      throw new IllegalArgumentException(
          "--election-timeout["
              + electionMillis
              + "ms] is too long, and should be set less than 50s");
    }
    if (electionMillis % heartbeatMillis != 0) {
      throw new IllegalArgumentException(
          "--election-timeout must be a whole number of --heartbeat-interval (Synod counts in"
              + " heartbeats)");
    }
  }

  private void checkRetention() {
    String r = autoCompactionRetention;
    boolean ok;
    if (autoCompactionMode.equals("revision")) {
      ok = r.matches("\\d+");
    } else {
      ok = r.matches("\\d+") || GoDuration.isValid(r);
    }
    if (!ok) {
      throw new IllegalArgumentException(
          "--auto-compaction-retention: invalid value \""
              + r
              + "\" for mode "
              + autoCompactionMode);
    }
  }

  private static void positive(String flag, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(flag + " must be positive (got " + value + ")");
    }
  }

  private static String oneLine(String s) {
    return s == null ? "invalid arguments" : s.strip().replaceAll("\\s*\\R\\s*", "; ");
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  /** {@code synod --version}. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {
        "synod " + SynodVersion.SYNOD, "etcd API compatible: " + SynodVersion.ETCD_SERVER
      };
    }
  }
}
