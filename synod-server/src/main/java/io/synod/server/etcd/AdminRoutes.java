package io.synod.server.etcd;

import com.google.protobuf.DynamicMessage;
import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.DefragmentRequest;
import io.etcd.jetcd.api.HashKVRequest;
import io.etcd.jetcd.api.MemberAddRequest;
import io.etcd.jetcd.api.MemberListRequest;
import io.etcd.jetcd.api.MemberRemoveRequest;
import io.etcd.jetcd.api.MemberUpdateRequest;
import io.etcd.jetcd.api.MoveLeaderRequest;
import io.etcd.jetcd.api.SnapshotRequest;
import io.etcd.jetcd.api.SnapshotResponse;
import io.synod.server.client.HttpCall;
import java.util.List;

/**
 * etcd 3.4's gateway routes of the Cluster and Maintenance services (etcd-api.md §10), added to the
 * {@link JsonGateway}: {@code /v3/cluster/member/list|add|remove|update|promote} and {@code
 * /v3/maintenance/alarm|defragment|hash|snapshot|transfer-leadership} (Status is the gateway's
 * own). In 3.4 Hash and HashKV are both bound to {@code /v3/maintenance/hash}, where grpc-gateway's
 * last registration, HashKV, answers; 3.5's {@code /v3/maintenance/hashkv} is served too. The
 * snapshot streams newline-delimited {@code {"result":...}} chunks.
 */
final class AdminRoutes {
  private AdminRoutes() {}

  static void register(JsonGateway g, ClusterService cluster, MaintenanceService maintenance) {
    g.unary(
        "/v3/cluster/member/list", MemberListRequest.parser(), "MemberListRequest", cluster::list);
    g.unary("/v3/cluster/member/add", MemberAddRequest.parser(), "MemberAddRequest", cluster::add);
    g.unary(
        "/v3/cluster/member/remove",
        MemberRemoveRequest.parser(),
        "MemberRemoveRequest",
        cluster::remove);
    g.unary(
        "/v3/cluster/member/update",
        MemberUpdateRequest.parser(),
        "MemberUpdateRequest",
        cluster::update);
    g.unary(
        "/v3/cluster/member/promote",
        DynamicMessage.getDefaultInstance(ClusterSchema.memberPromoteRequest()).getParserForType(),
        "MemberPromoteRequest",
        cluster::promote);
    g.unary("/v3/maintenance/alarm", AlarmRequest.parser(), "AlarmRequest", maintenance::alarm);
    g.unary(
        "/v3/maintenance/defragment",
        DefragmentRequest.parser(),
        "DefragmentRequest",
        maintenance::defragment);
    for (String path : List.of("/v3/maintenance/hash", "/v3/maintenance/hashkv")) {
      g.unary(path, HashKVRequest.parser(), "HashKVRequest", maintenance::hashKv);
    }
    g.unary(
        "/v3/maintenance/transfer-leadership",
        MoveLeaderRequest.parser(),
        "MoveLeaderRequest",
        maintenance::moveLeader);
    g.route(
        "/v3/maintenance/snapshot",
        (call, body) -> {
          JsonGateway.parse(body, SnapshotRequest.parser(), "SnapshotRequest");
          snapshot(call, maintenance);
        });
  }

  private static void snapshot(HttpCall call, MaintenanceService maintenance) {
    maintenance
        .takeSnapshot()
        .thenApply(MaintenanceService::chunks)
        .whenComplete(
            (chunks, error) -> {
              if (error != null) {
                JsonGateway.error(call, EtcdErrors.toStatus(error));
                return;
              }
              HttpCall.ChunkedResponse out = call.startChunked(200, "application/json");
              for (SnapshotResponse chunk : chunks) {
                if (!out.isOpen()) {
                  return;
                }
                out.write(JsonGateway.result(chunk));
              }
              out.end();
            });
  }
}
