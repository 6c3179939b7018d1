package io.synod.server.etcd;

import static io.synod.server.etcd.GatewayClient.b64;
import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import io.synod.server.Await;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway routes of Cluster and Maintenance over plain HTTP/1.1 (etcd-api.md §10), against one
 * member: exact bodies where they are fixed, etcd's field names, error objects and statuses, the
 * snapshot stream.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminRoutesTest {
  @TempDir static Path dir;
  private Members members;
  private final GatewayClient gw = new GatewayClient(m -> members.nodes.get("m1").clientUrl());

  @BeforeAll
  void start() throws Exception {
    members = new Members(1, dir);
  }

  @AfterAll
  void stop() {
    members.close();
  }

  private String id() {
    return Long.toUnsignedString(members.id("m1"));
  }

  @Test
  void memberListPrintsEtcdsFieldsAndAHeaderWithoutRevision() throws Exception {
    Members.Node m1 = members.nodes.get("m1");
    String body =
        Await.value(
            Members.LIMIT,
            "m1 published its client URLs",
            () -> {
              try {
                String b = gw.post("/v3/cluster/member/list", "{}").body();
                return b.contains("clientURLs") ? b : null;
              } catch (Exception e) {
                throw new AssertionError(e);
              }
            });

    assertThat(body)
        .matches(
            "\\{\"header\":\\{\"cluster_id\":\"\\d+\",\"member_id\":\""
                + id()
                + "\",\"raft_term\":\"\\d+\"\\},\"members\":\\[\\{\"ID\":\""
                + id()
                + "\",\"name\":\"m1\",\"peerURLs\":\\[\""
                + Pattern.quote(m1.peerUrl())
                + "\"\\],\"clientURLs\":\\[\""
                + Pattern.quote(m1.clientUrl())
                + "\"\\]\\}\\]\\}");
  }

  @Test
  void clusterErrorsHaveEtcdsObjectsAndStatuses() throws Exception {
    HttpResponse<String> notFound = gw.post("/v3/cluster/member/remove", "{\"ID\":\"42\"}");
    HttpResponse<String> badUrls = gw.post("/v3/cluster/member/add", "{\"peerURLs\":[\"nope\"]}");
    HttpResponse<String> promote =
        gw.post("/v3beta/cluster/member/promote", "{\"ID\":\"" + id() + "\"}");

    assertThat(notFound.statusCode()).isEqualTo(404);
    assertThat(notFound.body())
        .isEqualTo(
            "{\"error\":\"etcdserver: member not found\",\"code\":5,"
                + "\"message\":\"etcdserver: member not found\"}");
    assertThat(badUrls.statusCode()).isEqualTo(400);
    assertThat(badUrls.body()).contains("etcdserver: given member URLs are invalid");
    assertThat(promote.statusCode()).isEqualTo(412);
    assertThat(promote.body()).contains("\"code\":9");
    assertThat(gw.post("/v3/cluster/member/nothing", "{}").statusCode()).isEqualTo(404);
  }

  @Test
  void maintenanceRoutes() throws Exception {
    gw.post("/v3/kv/put", "{\"key\":\"" + b64("k") + "\",\"value\":\"" + b64("v") + "\"}");

    assertThat(gw.post("/v3/maintenance/alarm", "{}").body()).isEqualTo("{}");
    assertThat(gw.post("/v3/maintenance/defragment", "{}").body()).isEqualTo("{}");
    assertThat(gw.post("/v3/maintenance/hash", "{}").body())
        .as("3.4 binds HashKV here too; HashKV answers")
        .containsPattern("\"hash\":\\d+")
        .contains("\"compact_revision\":\"-1\"");
    assertThat(gw.post("/v3/maintenance/hashkv", "{\"revision\":\"2\"}").body())
        .containsPattern("\"hash\":\\d+");
    assertThat(gw.post("/v3/maintenance/status", "{}").body())
        .contains("\"version\":\"3.4.23\"")
        .containsPattern("\"raftAppliedIndex\":\"[1-9][0-9]*\"");
    assertThat(
            gw.post("/v3/maintenance/transfer-leadership", "{\"targetID\":\"" + id() + "\"}")
                .body())
        .isEqualTo("{}");
    HttpResponse<String> bad =
        gw.post("/v3/maintenance/transfer-leadership", "{\"targetID\":\"5\"}");
    assertThat(bad.statusCode()).isEqualTo(412);
    assertThat(bad.body()).contains("etcdserver: bad leader transferee");
  }

  @Test
  void theSnapshotStreamsResultObjectsThatAddUpToTheFile() throws Exception {
    String body = gw.post("/v3/maintenance/snapshot", "{}").body();

    Matcher m =
        Pattern.compile(
                "\\{\"result\":\\{(?:\"remaining_bytes\":\"(\\d+)\",)?\"blob\":\"([^\"]*)\"\\}\\}\n")
            .matcher(body);
    Bytes file = Bytes.EMPTY;
    int end = 0;
    while (m.find()) {
      assertThat(m.start()).isEqualTo(end);
      end = m.end();
      file = file.concat(Bytes.wrapOwned(Base64.getDecoder().decode(m.group(2))));
    }
    assertThat(end).isEqualTo(body.length());
    SnapshotFile decoded = SnapshotFile.decode(file);
    assertThat(decoded.memberId()).isEqualTo(members.id("m1"));
    assertThat(body.getBytes(StandardCharsets.UTF_8).length).isPositive();
  }
}
