package io.synod.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerFlagsTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private ServerFlags.Parsed parse(Map<String, String> env, String... args) {
    return ServerFlags.parse(args, env, new PrintWriter(out), new PrintWriter(err));
  }

  private ServerConfig config(Map<String, String> env, String... args) {
    ServerFlags.Parsed p = parse(env, args);
    assertThat(p).as("stderr: %s", err).isInstanceOf(ServerFlags.Parsed.Run.class);
    return ((ServerFlags.Parsed.Run) p).config();
  }

  private ServerConfig config(String... args) {
    return config(Map.of(), args);
  }

  private void assertUsageError(Map<String, String> env, String expected, String... args) {
    ServerFlags.Parsed p = parse(env, args);
    assertThat(p).isEqualTo(new ServerFlags.Parsed.Exit(2));
    String text = err.toString();
    assertThat(text.lines().count()).as("one line: %s", text).isEqualTo(1);
    assertThat(text).startsWith("synod: ").contains(expected);
  }

  private void assertUsageError(String expected, String... args) {
    assertUsageError(Map.of(), expected, args);
  }

  @Test
  void defaultsAreEtcds() {
    ServerConfig c = config();
    assertThat(c.name()).isEqualTo("default");
    assertThat(c.dataDir()).isEqualTo(Path.of("default.etcd"));
    assertThat(c.listenClientUrls()).containsExactly("http://localhost:2379");
    assertThat(c.advertiseClientUrls()).containsExactly("http://localhost:2379");
    assertThat(c.listenPeerUrls()).containsExactly("http://localhost:2380");
    assertThat(c.initialAdvertisePeerUrls()).containsExactly("http://localhost:2380");
    assertThat(c.initialCluster().format()).isEqualTo("default=http://localhost:2380");
    assertThat(c.initialClusterState()).isEqualTo(ClusterState.NEW);
    assertThat(c.initialClusterToken()).isEqualTo("etcd-cluster");
    assertThat(c.heartbeatMillis()).isEqualTo(100);
    assertThat(c.electionMillis()).isEqualTo(1000);
    assertThat(c.electionTicks()).isEqualTo(10);
    assertThat(c.snapshotCount()).isEqualTo(100_000);
    assertThat(c.quotaBackendBytes()).isZero();
    assertThat(c.effectiveQuotaBytes()).isEqualTo(2L << 30);
    assertThat(c.maxTxnOps()).isEqualTo(128);
    assertThat(c.maxRequestBytes()).isEqualTo(1_572_864);
    assertThat(c.grpcMaxReceiveBytes()).isEqualTo(2 << 20);
    assertThat(c.autoCompactionMode()).isEqualTo("periodic");
    assertThat(c.autoCompactionRetention()).isEqualTo("0");
    assertThat(c.grpcKeepAliveMinTimeMillis()).isEqualTo(5000);
    assertThat(c.explicitFlags()).isEmpty();
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void everyFlagIsRead() {
    ServerConfig c =
        config(
            "--name=infra1",
            "--data-dir",
            "/tmp/x",
            "--listen-client-urls=http://127.0.0.1:23790,http://127.0.0.2:23790",
            "--advertise-client-urls=http://127.0.0.1:23790",
            "--listen-peer-urls=http://127.0.0.1:23800",
            "--initial-advertise-peer-urls=http://127.0.0.1:23800",
            "--initial-cluster=infra1=http://127.0.0.1:23800,infra2=http://127.0.0.1:23801",
            "--initial-cluster-state=existing",
            "--initial-cluster-token=tok",
            "--heartbeat-interval=50",
            "--election-timeout=500",
            "--snapshot-count=10",
            "--quota-backend-bytes=1000",
            "--max-txn-ops=7",
            "--max-request-bytes=100",
            "--auto-compaction-mode=revision",
            "--auto-compaction-retention=1000",
            "--grpc-keepalive-min-time=2s");
    assertThat(c.name()).isEqualTo("infra1");
    assertThat(c.dataDir()).isEqualTo(Path.of("/tmp/x"));
    assertThat(c.listenClientUrls())
        .containsExactly("http://127.0.0.1:23790", "http://127.0.0.2:23790");
    assertThat(c.advertiseClientUrls()).containsExactly("http://127.0.0.1:23790");
    assertThat(c.listenPeerUrls()).containsExactly("http://127.0.0.1:23800");
    assertThat(c.initialCluster().members()).containsOnlyKeys("infra1", "infra2");
    assertThat(c.initialClusterState()).isEqualTo(ClusterState.EXISTING);
    assertThat(c.initialClusterToken()).isEqualTo("tok");
    assertThat(c.heartbeatMillis()).isEqualTo(50);
    assertThat(c.electionMillis()).isEqualTo(500);
    assertThat(c.snapshotCount()).isEqualTo(10);
    assertThat(c.quotaBackendBytes()).isEqualTo(1000);
    assertThat(c.maxTxnOps()).isEqualTo(7);
    assertThat(c.maxRequestBytes()).isEqualTo(100);
    assertThat(c.grpcMaxReceiveBytes()).isEqualTo(100 + 512 * 1024);
    assertThat(c.autoCompactionMode()).isEqualTo("revision");
    assertThat(c.autoCompactionRetention()).isEqualTo("1000");
    assertThat(c.grpcKeepAliveMinTimeMillis()).isEqualTo(2000);
    assertThat(c.isExplicit("--initial-cluster")).isTrue();
    assertThat(c.isExplicit("--snapshot-count")).isTrue();
  }

  @Test
  void environmentVariablesSetFlagsLikeEtcd() {
    ServerConfig c =
        config(
            Map.of(
                "ETCD_NAME", "envname",
                "ETCD_DATA_DIR", "/data",
                "ETCD_INITIAL_ADVERTISE_PEER_URLS", "http://10.0.0.1:2380",
                "ETCD_HEARTBEAT_INTERVAL", "200",
                "ETCD_ELECTION_TIMEOUT", "2000",
                "ETCD_INITIAL_CLUSTER_TOKEN", "t2"));
    assertThat(c.name()).isEqualTo("envname");
    assertThat(c.dataDir()).isEqualTo(Path.of("/data"));
    assertThat(c.initialCluster().format()).isEqualTo("envname=http://10.0.0.1:2380");
    assertThat(c.heartbeatMillis()).isEqualTo(200);
    assertThat(c.electionTicks()).isEqualTo(10);
    assertThat(c.initialClusterToken()).isEqualTo("t2");
    assertThat(c.isExplicit("--name")).isTrue();
    assertThat(c.isExplicit("--initial-cluster")).isFalse();
  }

  @Test
  void aFlagSetBothWaysIsRefusedAsEtcd34Does() {
    assertUsageError(
        Map.of("ETCD_NAME", "a"),
        "conflicting environment variable \"ETCD_NAME\" is shadowed",
        "--name=b");
  }

  @Test
  void unrecognizedEnvironmentVariablesAreWarnedAbout() {
    config(Map.of("ETCD_NO_SUCH_THING", "1", "PATH", "/bin"));
    assertThat(err.toString()).contains("unrecognized environment variable ETCD_NO_SUCH_THING");
    assertThat(err.toString()).doesNotContain("PATH");
  }

  @Test
  void goStyleSingleDashFlagsWork() {
    ServerConfig c = config("-name", "x", "-data-dir=/d");
    assertThat(c.name()).isEqualTo("x");
    assertThat(c.dataDir()).isEqualTo(Path.of("/d"));
  }

  @Test
  void flagsThatMeanNothingToSynodAreAcceptedWithOneLineEach() {
    ServerFlags.Parsed p =
        parse(
            Map.of("ETCD_LOG_LEVEL", "debug"),
            "--logger=zap",
            "--log-outputs",
            "stderr",
            "--enable-v2",
            "--debug=false",
            "--listen-metrics-urls=http://localhost:2381",
            "--cert-file=/x.pem",
            "--experimental-initial-corrupt-check=true");
    assertThat(p).isInstanceOf(ServerFlags.Parsed.Run.class);
    List<String> warnings = ((ServerFlags.Parsed.Run) p).warnings();
    assertThat(warnings)
        .anyMatch(w -> w.contains("--logger"))
        .anyMatch(w -> w.contains("--log-outputs"))
        .anyMatch(w -> w.contains("--log-level"))
        .anyMatch(w -> w.contains("--enable-v2"))
        .anyMatch(w -> w.contains("--debug"))
        .anyMatch(w -> w.contains("--listen-metrics-urls"))
        .anyMatch(w -> w.contains("--cert-file") && w.contains("TLS"))
        .anyMatch(w -> w.contains("--experimental-initial-corrupt-check"));
    assertThat(err.toString().lines())
        .hasSize(warnings.size())
        .allMatch(l -> l.startsWith("synod: warning: "));
  }

  @Test
  void unknownFlagIsOneLineAndExitTwo() {
    assertUsageError("--no-such-flag", "--no-such-flag=1");
  }

  @Test
  void invalidNumbersAreOneLineAndExitTwo() {
    assertUsageError("--heartbeat-interval", "--heartbeat-interval=abc");
    err.getBuffer().setLength(0);
    assertUsageError(Map.of("ETCD_SNAPSHOT_COUNT", "many"), "--snapshot-count");
  }

  @Test
  void httpsIsRefusedUntilTlsExists() {
    assertUsageError("needs TLS", "--listen-client-urls=https://127.0.0.1:2379");
  }

  @Test
  void badUrlsAreRefused() {
    assertUsageError("host:port", "--listen-peer-urls=http://127.0.0.1");
    err.getBuffer().setLength(0);
    assertUsageError("path", "--advertise-client-urls=http://127.0.0.1:1/x");
    err.getBuffer().setLength(0);
    assertUsageError("scheme", "--listen-client-urls=unix://sock:1");
  }

  @Test
  void initialClusterMustNameThisMemberWithItsAdvertisedUrls() {
    assertUsageError(
        "couldn't find local name \"a\"", "--name=a", "--initial-cluster=b=http://h:1");
    err.getBuffer().setLength(0);
    assertUsageError(
        "--initial-advertise-peer-urls",
        "--name=a",
        "--initial-advertise-peer-urls=http://h:2",
        "--initial-cluster=a=http://h:1");
  }

  @Test
  void timingIsCheckedAsEtcdChecksIt() {
    assertUsageError("at least as 5 times", "--heartbeat-interval=100", "--election-timeout=400");
    err.getBuffer().setLength(0);
    assertUsageError("less than 50s", "--heartbeat-interval=100", "--election-timeout=60000");
    err.getBuffer().setLength(0);
    assertUsageError("whole number", "--heartbeat-interval=100", "--election-timeout=1050");
  }

  @Test
  void enumeratedValuesAreChecked() {
    assertUsageError("new, existing", "--initial-cluster-state=old");
    err.getBuffer().setLength(0);
    assertUsageError("periodic, revision", "--auto-compaction-mode=sometimes");
    err.getBuffer().setLength(0);
    assertUsageError(
        "--auto-compaction-retention",
        "--auto-compaction-mode=revision",
        "--auto-compaction-retention=1h");
  }

  @Test
  void periodicRetentionTakesHoursOrDurations() {
    assertThat(config("--auto-compaction-retention=1h30m").autoCompactionRetention())
        .isEqualTo("1h30m");
    assertThat(config("--auto-compaction-retention=5").autoCompactionRetention()).isEqualTo("5");
  }

  @Test
  void helpAndVersionExitZero() {
    assertThat(parse(Map.of(), "--help")).isEqualTo(new ServerFlags.Parsed.Exit(0));
    assertThat(out.toString()).contains("--initial-cluster-token").contains("--heartbeat-interval");
    assertThat(parse(Map.of(), "--version")).isEqualTo(new ServerFlags.Parsed.Exit(0));
    assertThat(out.toString()).contains("3.4.23");
  }

  @Test
  void mainReturnsTwoForUsageErrors() {
    int code =
        SynodMain.run(
            new String[] {"--bogus"}, Map.of(), new PrintWriter(out), new PrintWriter(err));
    assertThat(code).isEqualTo(2);
    assertThat(err.toString().lines()).hasSize(1);
  }
}
