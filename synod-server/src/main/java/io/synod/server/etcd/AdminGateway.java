package io.synod.server.etcd;

import com.google.gson.JsonObject;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
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
import io.etcd.jetcd.api.StatusRequest;
import io.grpc.Status;
import io.synod.server.client.HttpCall;
import io.synod.server.client.HttpEndpoint;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * etcd 3.4's gateway routes of the Cluster and Maintenance services (etcd-api.md §10), in the same
 * JSON mapping as {@link JsonGateway}: {@code /v3/cluster/member/list|add|remove|update|promote}
 * and {@code /v3/maintenance/status|hash|alarm|defragment|snapshot|transfer-leadership} ({@code
 * /v3beta/} alike). In 3.4 Hash and HashKV are both bound to {@code /v3/maintenance/hash}, where
 * grpc-gateway's last registration, HashKV, answers; 3.5's {@code /v3/maintenance/hashkv} is served
 * too. The snapshot streams newline-delimited {@code {"result":...}} chunks.
 *
 * <p>Runs on Netty's event loop; never blocks.
 */
final class AdminGateway implements HttpEndpoint {
  private static final String TEXT = "text/plain; charset=utf-8";

  /** A route: the call and its body. */
  @FunctionalInterface
  private interface Route {
    void serve(HttpCall call, String body) throws InvalidProtocolBufferException;
  }

  /** The path prefixes this endpoint serves. */
  static final List<String> PREFIXES =
      List.of("/v3/cluster/", "/v3/maintenance/", "/v3beta/cluster/", "/v3beta/maintenance/");

  private final Map<String, Route> routes = new TreeMap<>();
  private final MaintenanceService maintenance;

  AdminGateway(ClusterService cluster, MaintenanceService maintenance) {
    this.maintenance = maintenance;
    unary(
        "/v3/cluster/member/list", MemberListRequest.parser(), "MemberListRequest", cluster::list);
    unary("/v3/cluster/member/add", MemberAddRequest.parser(), "MemberAddRequest", cluster::add);
    unary(
        "/v3/cluster/member/remove",
        MemberRemoveRequest.parser(),
        "MemberRemoveRequest",
        cluster::remove);
    unary(
        "/v3/cluster/member/update",
        MemberUpdateRequest.parser(),
        "MemberUpdateRequest",
        cluster::update);
    unary(
        "/v3/cluster/member/promote",
        DynamicMessage.getDefaultInstance(ClusterSchema.memberPromoteRequest()).getParserForType(),
        "MemberPromoteRequest",
        cluster::promote);
    unary("/v3/maintenance/alarm", AlarmRequest.parser(), "AlarmRequest", maintenance::alarm);
    unary(
        "/v3/maintenance/status",
        StatusRequest.parser(),
        "StatusRequest",
        r -> maintenance.status());
    unary(
        "/v3/maintenance/defragment",
        DefragmentRequest.parser(),
        "DefragmentRequest",
        maintenance::defragment);
    for (String path : List.of("/v3/maintenance/hash", "/v3/maintenance/hashkv")) {
      unary(path, HashKVRequest.parser(), "HashKVRequest", maintenance::hashKv);
    }
    unary(
        "/v3/maintenance/transfer-leadership",
        MoveLeaderRequest.parser(),
        "MoveLeaderRequest",
        maintenance::moveLeader);
    routes.put("/v3/maintenance/snapshot", this::snapshot);
  }

  private <Q extends Message> void unary(
      String path,
      Parser<Q> parser,
      String type,
      Function<Q, CompletableFuture<? extends Message>> rpc) {
    routes.put(
        path,
        (call, body) -> {
          Q request = JsonGateway.parse(body, parser, type);
          CompletableFuture<? extends Message> f;
          try {
            f = rpc.apply(request);
          } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
          }
          f.whenComplete(
              (response, error) -> {
                if (error != null) {
                  error(call, EtcdErrors.toStatus(error));
                } else {
                  call.respondJson(200, JsonGateway.print(response));
                }
              });
        });
  }

  @Override
  public void handle(HttpCall call) {
    String path = call.path();
    if (path.startsWith("/v3beta/")) {
      path = "/v3/" + path.substring("/v3beta/".length());
    }
    call.addResponseHeader("Access-Control-Allow-Origin", "*");
    call.addResponseHeader("Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE");
    call.addResponseHeader("Access-Control-Allow-Headers", "accept, content-type, authorization");
    Route route = routes.get(path);
    if (route == null) {
      call.respond(404, TEXT, "Not Found\n".getBytes(StandardCharsets.UTF_8));
      return;
    }
    if (call.method().equals("OPTIONS")) {
      call.respond(200, TEXT, new byte[0]);
      return;
    }
    if (!call.method().equals("POST")) {
      call.respond(405, TEXT, "Method Not Allowed\n".getBytes(StandardCharsets.UTF_8));
      return;
    }
    try {
      route.serve(call, new String(call.body(), StandardCharsets.UTF_8));
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      error(call, Status.INVALID_ARGUMENT.withDescription(String.valueOf(e.getMessage())));
    }
  }

  private void snapshot(HttpCall call, String body) throws InvalidProtocolBufferException {
    JsonGateway.parse(body, SnapshotRequest.parser(), "SnapshotRequest");
    maintenance
        .takeSnapshot()
        .thenApply(MaintenanceService::chunks)
        .whenComplete(
            (chunks, error) -> {
              if (error != null) {
                error(call, EtcdErrors.toStatus(error));
                return;
              }
              HttpCall.ChunkedResponse out = call.startChunked(200, "application/json");
              for (SnapshotResponse chunk : chunks) {
                if (!out.isOpen()) {
                  return;
                }
                out.write(
                    ("{\"result\":" + JsonGateway.print(chunk) + "}\n")
                        .getBytes(StandardCharsets.UTF_8));
              }
              out.end();
            });
  }

  private static void error(HttpCall call, Status status) {
    String message = String.valueOf(status.getDescription());
    JsonObject o = new JsonObject();
    o.addProperty("error", message);
    o.addProperty("code", status.getCode().value());
    o.addProperty("message", message);
    call.respondJson(EtcdErrors.httpStatus(status.getCode()), o.toString());
  }
}
