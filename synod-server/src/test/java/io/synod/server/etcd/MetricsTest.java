package io.synod.server.etcd;

import static io.synod.server.etcd.GatewayClient.b64;
import static org.assertj.core.api.Assertions.assertThat;

import io.synod.server.Await;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /metrics} on the client port of a three-member cluster: Prometheus text format, etcd's
 * names, and values that follow what the cluster did.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsTest {
  private static final int PUTS = 20;

  @TempDir static Path dir;
  private EtcdCluster cluster;
  private final GatewayClient gw = new GatewayClient(m -> cluster.endpoint(m));

  @BeforeAll
  void start() throws Exception {
    cluster = new EtcdCluster(3, dir, "--election-timeout=1000");
  }

  @AfterAll
  void stop() {
    cluster.close();
  }

  private void put(int member, String key, String value) throws Exception {
    String body = "{\"key\":\"" + b64(key) + "\",\"value\":\"" + b64(value) + "\"}";
    HttpResponse<String> r = gw.post(member, "/v3/kv/put", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  /** Member {@code i}'s samples: {@code name{labels}} (as written) to value. */
  private Map<String, Double> scrape(int member) {
    HttpResponse<String> r = gw.get(member, "/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    return parse(r.body());
  }

  /** Parses the sample lines of the text format; comments and blank lines are skipped. */
  static Map<String, Double> parse(String text) {
    Map<String, Double> samples = new HashMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      assertThat(space).as("a sample line: %s", line).isPositive();
      String value = line.substring(space + 1);
      double v =
          switch (value) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(value);
          };
      samples.put(line.substring(0, space), v);
    }
    return samples;
  }

  private static double sample(Map<String, Double> samples, String name) {
    assertThat(samples).as("metric %s", name).containsKey(name);
    return samples.get(name);
  }

  @Test
  void servesPrometheusTextWithEtcdNames() {
    HttpResponse<String> r = gw.get(0, "/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type"))
        .hasValueSatisfying(ct -> assertThat(ct).startsWith("text/plain; version=0.0.4"));
    assertThat(r.body())
        .contains("# TYPE etcd_disk_wal_fsync_duration_seconds histogram\n")
        .contains("# TYPE synod_apply_duration_seconds histogram\n")
        .contains("# TYPE etcd_server_has_leader gauge\n")
        .contains("# TYPE etcd_server_proposals_committed_total counter\n")
        .contains("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"+Inf\"} ")
        .contains("etcd_server_id{server_id=\"");
    Map<String, Double> s = parse(r.body());
    for (String name :
        new String[] {
          "etcd_server_is_leader",
          "etcd_server_leader_changes_seen_total",
          "etcd_server_proposals_applied_total",
          "etcd_server_proposals_pending",
          "etcd_server_proposals_failed_total",
          "synod_raft_term",
          "etcd_mvcc_db_total_size_in_bytes",
          "etcd_mvcc_db_total_size_in_use_in_bytes",
          "etcd_debugging_mvcc_keys_total",
          "etcd_debugging_mvcc_watcher_total",
          "etcd_debugging_mvcc_current_revision",
          "synod_lease_active",
          "synod_log_entry_bytes_in_memory",
          "synod_log_entries_read_back_total",
          "jvm_threads_current"
        }) {
      assertThat(s).as("metric %s", name).containsKey(name);
    }
    assertThat(sample(s, "etcd_mvcc_db_total_size_in_bytes")).isPositive();
    assertThat(sample(s, "synod_raft_term")).isPositive();
    assertThat(gw.get(0, "/metrics").statusCode()).isEqualTo(200);
  }

  @Test
  void countersFollowTheCluster() throws Exception {
    int leader = cluster.awaitLeader();
    Map<String, Double> before = scrape(leader);
    for (int i = 0; i < PUTS; i++) {
      put(leader, "metrics/" + i, "v" + i);
    }
    // The loop publishes its indexes after the turn that applied the writes.
    Map<String, Double> after =
        Await.value(
            EtcdCluster.LIMIT,
            "the leader's applied index to take in the puts",
            () -> {
              Map<String, Double> s = scrape(leader);
              return sample(s, "etcd_server_proposals_applied_total")
                          - sample(before, "etcd_server_proposals_applied_total")
                      >= PUTS
                  ? s
                  : null;
            });
    assertThat(
            sample(after, "etcd_server_proposals_committed_total")
                - sample(before, "etcd_server_proposals_committed_total"))
        .isGreaterThanOrEqualTo(PUTS);
    assertThat(
            sample(after, "synod_apply_duration_seconds_count")
                - sample(before, "synod_apply_duration_seconds_count"))
        .isGreaterThanOrEqualTo(PUTS);
    assertThat(sample(after, "etcd_disk_wal_fsync_duration_seconds_count")).isPositive();
    assertThat(sample(after, "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"+Inf\"}"))
        .isEqualTo(sample(after, "etcd_disk_wal_fsync_duration_seconds_count"));
    assertThat(sample(after, "etcd_disk_wal_fsync_duration_seconds_sum")).isPositive();
    assertThat(sample(after, "etcd_debugging_mvcc_keys_total")).isGreaterThanOrEqualTo(PUTS);
    // The puts' payloads are still among the newest 4 MiB: held in memory, not read back.
    assertThat(sample(after, "synod_log_entry_bytes_in_memory")).isPositive();
    assertThat(
            sample(after, "etcd_debugging_mvcc_current_revision")
                - sample(before, "etcd_debugging_mvcc_current_revision"))
        .isGreaterThanOrEqualTo(PUTS);
    assertThat(sample(after, "etcd_server_leader_changes_seen_total")).isGreaterThanOrEqualTo(1);
    assertThat(sample(after, "etcd_server_proposals_failed_total")).isZero();

    int leaders = 0;
    for (int i = 0; i < 3; i++) {
      Map<String, Double> s = scrape(i);
      assertThat(sample(s, "etcd_server_has_leader")).as("member %d has a leader", i).isEqualTo(1);
      assertThat(sample(s, "etcd_disk_wal_fsync_duration_seconds_count"))
          .as("member %d fsyncs", i)
          .isPositive();
      double isLeader = sample(s, "etcd_server_is_leader");
      assertThat(isLeader).isIn(0.0, 1.0);
      if (isLeader == 1) {
        leaders++;
        assertThat(i).isEqualTo(leader);
      }
    }
    assertThat(leaders).as("members reporting is_leader 1").isEqualTo(1);
  }
}
