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
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JSON gateway over plain HTTP/1.1, as curl uses it, against one member so that revisions are
 * known: exact response bodies, statuses and error objects (etcd-api.md §10).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JsonGatewayTest {
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

  /** The header every response of this member carries, with {@code revision}. */
  private String header(long revision) {
    return GatewayClient.header(cluster.servers[0], revision);
  }

  private long revision() throws Exception {
    String body = gw.post("/v3/kv/range", "{\"key\":\"" + b64("none") + "\"}").body();
    return Long.parseLong(body.replaceAll(".*\"revision\":\"(\\d+)\".*", "$1"));
  }

  private static String error(int code, String message) {
    return "{\"error\":\"" + message + "\",\"code\":" + code + ",\"message\":\"" + message + "\"}";
  }

  @Test
  void putAndRangeInTheProto3JsonMapping() throws Exception {
    long before = revision();
    HttpResponse<String> put =
        gw.post("/v3/kv/put", "{\"key\":\"" + b64("gw/a") + "\",\"value\":\"" + b64("1") + "\"}");
    assertThat(put.statusCode()).isEqualTo(200);
    assertThat(put.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
    assertThat(put.body()).isEqualTo("{\"header\":" + header(before + 1) + "}");
    long rev = before + 1;
    String kv =
        "{\"key\":\""
            + b64("gw/a")
            + "\",\"create_revision\":\""
            + rev
            + "\",\"mod_revision\":\""
            + rev
            + "\",\"version\":\"1\",\"value\":\""
            + b64("1")
            + "\"}";
    assertThat(gw.post("/v3/kv/range", "{\"key\":\"" + b64("gw/a") + "\"}").body())
        .isEqualTo("{\"header\":" + header(rev) + ",\"kvs\":[" + kv + "],\"count\":\"1\"}");
    // lowerCamelCase names, numbers or strings for int64, /v3beta/ as /v3/.
    assertThat(
            gw.post(
                    "/v3beta/kv/range",
                    "{\"key\":\"" + b64("gw/a") + "\",\"countOnly\":true,\"revision\":" + rev + "}")
                .body())
        .isEqualTo("{\"header\":" + header(rev) + ",\"count\":\"1\"}");
    assertThat(
            gw.post(
                    "/v3/kv/range",
                    "{\"key\":\""
                        + b64("gw/a")
                        + "\",\"keys_only\":true,\"revision\":\""
                        + rev
                        + "\"}")
                .body())
        .isEqualTo(
            "{\"header\":"
                + header(rev)
                + ",\"kvs\":["
                + kv.replace(",\"value\":\"" + b64("1") + "\"", "")
                + "],\"count\":\"1\"}");
    HttpResponse<String> del =
        gw.post("/v3/kv/deleterange", "{\"key\":\"" + b64("gw/a") + "\",\"prev_kv\":true}");
    assertThat(del.body())
        .isEqualTo(
            "{\"header\":" + header(rev + 1) + ",\"deleted\":\"1\",\"prev_kvs\":[" + kv + "]}");
  }

  @Test
  void errorsUseGrpcGatewayBodiesAndStatuses() throws Exception {
    HttpResponse<String> noKey = gw.post("/v3/kv/range", "{}");
    assertThat(noKey.statusCode()).isEqualTo(400);
    assertThat(noKey.body()).isEqualTo(error(3, "etcdserver: key is not provided"));
    HttpResponse<String> noLease = gw.post("/v3/lease/revoke", "{\"ID\":\"99\"}");
    assertThat(noLease.statusCode()).isEqualTo(404);
    assertThat(noLease.body()).isEqualTo(error(5, "etcdserver: requested lease not found"));
    gw.post("/v3/lease/grant", "{\"TTL\":30,\"ID\":\"77\"}");
    HttpResponse<String> exists = gw.post("/v3/lease/grant", "{\"TTL\":30,\"ID\":77}");
    assertThat(exists.statusCode()).isEqualTo(412);
    assertThat(exists.body()).isEqualTo(error(9, "etcdserver: lease already exists"));
    HttpResponse<String> future =
        gw.post("/v3/kv/range", "{\"key\":\"YQ==\",\"revision\":\"99999\"}");
    assertThat(future.statusCode()).isEqualTo(400);
    assertThat(future.body())
        .isEqualTo(error(11, "etcdserver: mvcc: required revision is a future revision"));
    HttpResponse<String> malformed = gw.post("/v3/kv/put", "{\"key\":");
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(malformed.body()).contains("\"code\":3");
    HttpResponse<String> unknownField = gw.post("/v3/kv/put", "{\"nokey\":1}");
    assertThat(unknownField.statusCode()).isEqualTo(400);
    HttpResponse<String> get =
        gw.send(gw.request("/v3/kv/range").GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(gw.post("/v3/kv/nothing", "{}").statusCode()).isEqualTo(404);
    HttpResponse<String> alpha = gw.post("/v3alpha/kv/range", "{}");
    assertThat(alpha.statusCode()).isEqualTo(404);
    assertThat(alpha.body()).isEqualTo("404 page not found\n");
  }

  @Test
  void txnWithLeaseCompareAndNestedResponses() throws Exception {
    gw.post("/v3/lease/grant", "{\"TTL\":60,\"ID\":\"5150\"}");
    gw.post(
        "/v3/kv/put", "{\"key\":\"" + b64("gw/t") + "\",\"value\":\"eA==\",\"lease\":\"5150\"}");
    long rev = revision();
    String txn =
        "{\"compare\":[{\"target\":\"LEASE\",\"key\":\""
            + b64("gw/t")
            + "\",\"lease\":\"5150\"}],\"success\":[{\"request_range\":{\"key\":\""
            + b64("gw/t")
            + "\",\"count_only\":true}},{\"requestTxn\":{}}]}";
    assertThat(gw.post("/v3/kv/txn", txn).body())
        .isEqualTo(
            "{\"header\":"
                + header(rev)
                + ",\"succeeded\":true,\"responses\":[{\"response_range\":{\"header\":{\"revision\":\""
                + rev
                + "\"},\"count\":\"1\"}},{\"response_txn\":{\"header\":{},\"succeeded\":true}}]}");
    assertThat(gw.post("/v3/kv/compaction", "{\"revision\":\"" + rev + "\"}").body())
        .isEqualTo("{\"header\":" + header(rev) + "}");
  }

  @Test
  void maintenanceStatusPrintsEtcdsFieldNames() throws Exception {
    var ctx = cluster.servers[0].context();
    String body = gw.post("/v3/maintenance/status", "{}").body();
    assertThat(body)
        .startsWith("{\"header\":{\"cluster_id\":")
        .contains("\"version\":\"3.4.23\"")
        .contains("\"leader\":\"" + Long.toUnsignedString(ctx.memberId()) + "\"")
        .containsPattern("\"raftIndex\":\"[1-9][0-9]*\"")
        .containsPattern("\"raftAppliedIndex\":\"[1-9][0-9]*\"")
        .containsPattern("\"dbSizeInUse\":\"[1-9][0-9]*\"")
        .doesNotContain("errors");
  }

  @Test
  void leaseEndpointsAndAliases() throws Exception {
    long rev = revision();
    assertThat(gw.post("/v3/lease/grant", "{\"TTL\":\"1\",\"ID\":\"31337\"}").body())
        .isEqualTo("{\"header\":" + header(rev) + ",\"ID\":\"31337\",\"TTL\":\"2\"}");
    gw.post("/v3/kv/put", "{\"key\":\"" + b64("gw/l") + "\",\"lease\":\"31337\"}");
    rev = revision();
    String ttl = gw.post("/v3/kv/lease/timetolive", "{\"ID\":\"31337\",\"keys\":true}").body();
    assertThat(ttl)
        .matches(
            "\\{\"header\":\\{.*\\},\"ID\":\"31337\",\"TTL\":\"[0-2]\",\"grantedTTL\":\"2\",\"keys\":\\[\""
                + b64("gw/l")
                + "\"\\]\\}");
    assertThat(gw.post("/v3/lease/timetolive", "{\"ID\":\"4\"}").body())
        .isEqualTo("{\"header\":" + header(rev) + ",\"ID\":\"4\",\"TTL\":\"-1\"}");
    for (String path : List.of("/v3/lease/leases", "/v3/kv/lease/leases")) {
      assertThat(gw.post(path, "").body())
          .contains("{\"ID\":\"31337\"}")
          .startsWith("{\"header\":");
    }
    HttpResponse<InputStream> ka =
        gw.send(
            gw.request("/v3/lease/keepalive")
                .POST(HttpRequest.BodyPublishers.ofString("{\"ID\":\"31337\"} {\"ID\":\"8\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(ka.statusCode()).isEqualTo(200);
    List<String> lines =
        new BufferedReader(new InputStreamReader(ka.body(), StandardCharsets.UTF_8))
            .lines()
            .toList();
    assertThat(lines)
        .containsExactly(
            "{\"result\":{\"header\":" + header(rev) + ",\"ID\":\"31337\",\"TTL\":\"2\"}}",
            "{\"result\":{\"header\":" + header(rev) + ",\"ID\":\"8\"}}");
    assertThat(gw.post("/v3/kv/lease/revoke", "{\"ID\":\"31337\"}").statusCode()).isEqualTo(200);
  }

  @Test
  void watchStreamsNewlineDelimitedResults() throws Exception {
    long rev = revision();
    String body =
        "{\"create_request\":{\"key\":\"" + b64("gw/w") + "\"}}\n{\"progress_request\":{}}";
    HttpResponse<InputStream> w =
        gw.send(
            gw.request("/v3/watch").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(w.statusCode()).isEqualTo(200);
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(w.body(), StandardCharsets.UTF_8))) {
      assertThat(lines.readLine())
          .isEqualTo("{\"result\":{\"header\":" + header(rev) + ",\"created\":true}}");
      assertThat(lines.readLine())
          .isEqualTo("{\"result\":{\"header\":" + header(rev) + ",\"watch_id\":\"-1\"}}");
      gw.post("/v3/kv/put", "{\"key\":\"" + b64("gw/w") + "\",\"value\":\"" + b64("v") + "\"}");
      long r = rev + 1;
      assertThat(lines.readLine())
          .isEqualTo(
              "{\"result\":{\"header\":"
                  + header(r)
                  + ",\"events\":[{\"kv\":{\"key\":\""
                  + b64("gw/w")
                  + "\",\"create_revision\":\""
                  + r
                  + "\",\"mod_revision\":\""
                  + r
                  + "\",\"version\":\"1\",\"value\":\""
                  + b64("v")
                  + "\"}}]}}");
      gw.post("/v3/kv/deleterange", "{\"key\":\"" + b64("gw/w") + "\"}");
      assertThat(lines.readLine())
          .isEqualTo(
              "{\"result\":{\"header\":"
                  + header(r + 1)
                  + ",\"events\":[{\"type\":\"DELETE\",\"kv\":{\"key\":\""
                  + b64("gw/w")
                  + "\",\"mod_revision\":\""
                  + (r + 1)
                  + "\"}}]}}");
    }
  }

  @Test
  void watchRequestFieldsMissingFromJetcdStubsAreReadByName() throws Exception {
    String body =
        "{\"create_request\":{\"key\":\""
            + b64("gw/id")
            + "\",\"watch_id\":\"42\",\"fragment\":true}}";
    HttpResponse<InputStream> w =
        gw.send(
            gw.request("/v3/watch").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(w.body(), StandardCharsets.UTF_8))) {
      assertThat(lines.readLine()).contains("\"watch_id\":\"42\",\"created\":true");
    }
  }
}
