package io.synod.server.etcd;

import static io.synod.server.etcd.GatewayClient.b64;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway routes of Lock and Election (etcd-api.md §10) over plain HTTP/1.1 against one member,
 * so that revisions are known: bodies as etcd 3.4.23 printed them for the same requests, errors
 * with code 2 and status 500, and the streaming {@code /v3/election/observe}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecipeGatewayTest {
  @TempDir static Path dir;
  private EtcdCluster cluster;
  private final GatewayClient gw = new GatewayClient(m -> cluster.endpoint(m));

  @BeforeAll
  void start() throws Exception {
    cluster = new EtcdCluster(1, dir, "--election-timeout=1000");
  }

  @AfterAll
  void stop() {
    cluster.close();
  }

  private String header(long revision) {
    return GatewayClient.header(cluster.servers[0], revision);
  }

  private static long number(String body, String field) {
    return Long.parseLong(body.replaceAll(".*\"" + field + "\":\"(\\d+)\".*", "$1"));
  }

  private long revision() throws Exception {
    return number(gw.post("/v3/kv/range", "{\"key\":\"" + b64("none") + "\"}").body(), "revision");
  }

  private long grant() throws Exception {
    return number(gw.post("/v3/lease/grant", "{\"TTL\":60}").body(), "ID");
  }

  private static String error(String message) {
    return "{\"error\":\"" + message + "\",\"code\":2,\"message\":\"" + message + "\"}";
  }

  @Test
  void lockAndUnlock() throws Exception {
    long lease = grant();
    long rev = revision();
    String key = b64("gl/" + Long.toHexString(lease));
    String lock = "{\"name\":\"" + b64("gl") + "\",\"lease\":\"" + lease + "\"}";
    HttpResponse<String> r = gw.post("/v3/lock/lock", lock);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"header\":" + header(rev + 1) + ",\"key\":\"" + key + "\"}");
    // Again with the same lease: the same key, nothing written.
    assertThat(gw.post("/v3/lock/lock", lock).body())
        .isEqualTo("{\"header\":" + header(rev + 1) + ",\"key\":\"" + key + "\"}");
    HttpResponse<String> u = gw.post("/v3/lock/unlock", "{\"key\":\"" + key + "\"}");
    assertThat(u.body()).isEqualTo("{\"header\":" + header(rev + 2) + "}");
    // The v3beta prefix is the same API.
    HttpResponse<String> beta = gw.post("/v3beta/lock/unlock", "{\"key\":\"" + key + "\"}");
    assertThat(beta.body()).isEqualTo("{\"header\":" + header(rev + 2) + "}");
  }

  @Test
  void errorsAreCodeTwoWithStatus500() throws Exception {
    HttpResponse<String> unknownLease =
        gw.post("/v3/lock/lock", "{\"name\":\"" + b64("ge") + "\",\"lease\":\"12345\"}");
    assertThat(unknownLease.statusCode()).isEqualTo(500);
    assertThat(unknownLease.body()).isEqualTo(error("etcdserver: requested lease not found"));
    HttpResponse<String> emptyKey = gw.post("/v3/lock/unlock", "{}");
    assertThat(emptyKey.statusCode()).isEqualTo(500);
    assertThat(emptyKey.body()).isEqualTo(error("etcdserver: key is not provided"));
    HttpResponse<String> noLeader =
        gw.post("/v3/election/leader", "{\"name\":\"" + b64("ge") + "\"}");
    assertThat(noLeader.statusCode()).isEqualTo(500);
    assertThat(noLeader.body()).isEqualTo(error("election: no leader"));
    HttpResponse<String> missing = gw.post("/v3/election/proclaim", "{}");
    assertThat(missing.statusCode()).isEqualTo(500);
    assertThat(missing.body()).isEqualTo(error("\\\"leader\\\" field must be provided"));
    assertThat(gw.post("/v3/election/resign", "{}").body())
        .isEqualTo(error("\\\"leader\\\" field must be provided"));
    HttpResponse<String> get =
        gw.send(gw.request("/v3/lock/lock").GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(get.statusCode()).isEqualTo(405);
  }

  @Test
  void campaignLeaderProclaimResignAndObserve() throws Exception {
    long lease = grant();
    String name = b64("gel");
    String key = b64("gel/" + Long.toHexString(lease));
    long rev = revision();
    long c = rev + 1;
    String leaderKey =
        "{\"name\":\""
            + name
            + "\",\"key\":\""
            + key
            + "\",\"rev\":\""
            + c
            + "\",\"lease\":\""
            + lease
            + "\"}";
    HttpResponse<String> campaign =
        gw.post(
            "/v3/election/campaign",
            "{\"name\":\""
                + name
                + "\",\"lease\":\""
                + lease
                + "\",\"value\":\""
                + b64("v1")
                + "\"}");
    assertThat(campaign.body())
        .isEqualTo("{\"header\":" + header(c) + ",\"leader\":" + leaderKey + "}");
    String kv1 =
        "{\"key\":\""
            + key
            + "\",\"create_revision\":\""
            + c
            + "\",\"mod_revision\":\""
            + c
            + "\",\"version\":\"1\",\"value\":\""
            + b64("v1")
            + "\",\"lease\":\""
            + lease
            + "\"}";
    assertThat(gw.post("/v3/election/leader", "{\"name\":\"" + name + "\"}").body())
        .isEqualTo("{\"header\":" + header(c) + ",\"kv\":" + kv1 + "}");
    HttpResponse<InputStream> observe =
        gw.send(
            gw.request("/v3/election/observe")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(observe.statusCode()).isEqualTo(200);
    BufferedReader lines =
        new BufferedReader(new InputStreamReader(observe.body(), StandardCharsets.UTF_8));
    // The observer starts with the leader as it is.
    assertThat(lines.readLine())
        .isEqualTo("{\"result\":{\"header\":" + header(c) + ",\"kv\":" + kv1 + "}}");
    assertThat(
            gw.post(
                    "/v3/election/proclaim",
                    "{\"leader\":" + leaderKey + ",\"value\":\"" + b64("v2") + "\"}")
                .body())
        .isEqualTo("{\"header\":" + header(c + 1) + "}");
    assertThat(gw.post("/v3/election/resign", "{\"leader\":" + leaderKey + "}").body())
        .isEqualTo("{\"header\":" + header(c + 2) + "}");
    try (lines) {
      assertThat(lines.readLine())
          .isEqualTo(
              "{\"result\":{\"header\":"
                  + header(c + 1)
                  + ",\"kv\":"
                  + kv1.replace(
                          "\"mod_revision\":\"" + c + "\",\"version\":\"1\"",
                          "\"mod_revision\":\"" + (c + 1) + "\",\"version\":\"2\"")
                      .replace(b64("v1"), b64("v2"))
                  + "}}");
    }
  }
}
