package io.synod.server.etcd;

import com.google.gson.JsonObject;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import com.google.protobuf.util.JsonFormat;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.Status;
import io.synod.server.client.HttpCall;
import io.synod.server.client.HttpEndpoint;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * etcd 3.4's grpc-gateway v1 for KV, Watch and Lease (etcd-api.md §10): {@code POST /v3/...} with a
 * JSON request, answered with the JSON response, in the proto3 JSON mapping as etcd configures it
 * (proto field names, int64 as strings, bytes as base64, enums by name, zero values left out;
 * requests accept either field spelling and numbers or strings). {@code /v3beta/} is the same as
 * {@code /v3/}. Errors are {@code {"error","code","message"}} with grpc-gateway's HTTP status; GET
 * on an RPC path is 405, an unknown path 404. Watch and keep-alive stream newline-delimited {@code
 * {"result":...}} objects over chunked HTTP/1.1; their request body may hold several JSON objects.
 *
 * <p>Runs on Netty's event loop: it parses, hands over and answers later; it never blocks.
 */
final class JsonGateway implements HttpEndpoint {
  private static final JsonFormat.Parser PARSER = JsonFormat.parser();
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();
  private static final String TEXT = "text/plain; charset=utf-8";
  private static final String JSON = "application/json";

  /** A route: the call and its body. */
  @FunctionalInterface
  interface Route {
    void serve(HttpCall call, String body) throws InvalidProtocolBufferException;
  }

  private final Map<String, Route> routes = new TreeMap<>();
  private final EtcdEdge edge;
  private final LeaseService leases;

  JsonGateway(EtcdEdge edge, KvService kv, LeaseService leases, MaintenanceService maintenance) {
    this.edge = edge;
    this.leases = leases;
    unary("/v3/kv/range", RangeRequest.parser(), "RangeRequest", kv::range);
    unary("/v3/kv/put", PutRequest.parser(), "PutRequest", kv::put);
    unary("/v3/kv/deleterange", DeleteRangeRequest.parser(), "DeleteRangeRequest", kv::deleteRange);
    unary("/v3/kv/txn", TxnRequest.parser(), "TxnRequest", kv::txn);
    unary("/v3/kv/compaction", CompactionRequest.parser(), "CompactionRequest", kv::compact);
    unary("/v3/lease/grant", LeaseGrantRequest.parser(), "LeaseGrantRequest", leases::grant);
    for (String base : List.of("/v3/lease/", "/v3/kv/lease/")) {
      unary(base + "revoke", LeaseRevokeRequest.parser(), "LeaseRevokeRequest", leases::revoke);
      unary(
          base + "timetolive",
          LeaseTimeToLiveRequest.parser(),
          "LeaseTimeToLiveRequest",
          leases::timeToLive);
      unary(
          base + "leases",
          DynamicMessage.getDefaultInstance(EtcdSchema.LEASE_LEASES_REQUEST).getParserForType(),
          "LeaseLeasesRequest",
          r -> leases.leases());
    }
    unary(
        "/v3/maintenance/status",
        StatusRequest.parser(),
        "StatusRequest",
        r -> maintenance.status());
    routes.put("/v3/watch", this::watch);
    routes.put("/v3/lease/keepalive", this::keepAlive);
  }

  /** Serves {@code path} with {@code route} (other services add theirs before serving starts). */
  void route(String path, Route route) {
    routes.put(path, route);
  }

  <Q extends Message> void unary(
      String path,
      Parser<Q> parser,
      String type,
      Function<Q, CompletableFuture<? extends Message>> rpc) {
    route(path, (BodyParser<Q>) body -> parse(body, parser, type), rpc);
  }

  /**
   * Adds a unary route for a request of a service outside {@code etcdserverpb} (Lock, Election),
   * read with its own schema.
   */
  <Q extends Message> void unary(
      String path, Q prototype, Function<Q, CompletableFuture<? extends Message>> rpc) {
    route(path, (BodyParser<Q>) body -> parse(body, prototype), rpc);
  }

  /** Reads a request body. */
  @FunctionalInterface
  interface BodyParser<Q> {
    Q parse(String body) throws InvalidProtocolBufferException;
  }

  private <Q extends Message> void route(
      String path, BodyParser<Q> parser, Function<Q, CompletableFuture<? extends Message>> rpc) {
    routes.put(
        path,
        (call, body) -> {
          Q request = parser.parse(body);
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
                  call.respondJson(200, print(response));
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
    // etcd's gateway allows any origin.
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

  // ---------------------------------------------------------------------------------------------
  // Streams

  private void watch(HttpCall call, String body) throws InvalidProtocolBufferException {
    List<WatchRequest> requests = new ArrayList<>();
    for (String json : JsonObjects.split(body)) {
      requests.add(parse(json, WatchRequest.parser(), "WatchRequest"));
    }
    HttpCall.ChunkedResponse chunks = call.startChunked(200, JSON);
    WatchSession session =
        new WatchSession(
            edge,
            new WatchSession.Outbound() {
              @Override
              public boolean isReady() {
                return chunks.isOpen();
              }

              @Override
              public void send(WatchResponse response) {
                chunks.write(result(response));
              }

              @Override
              public void fail(Status status) {
                chunks.write(streamError(status));
                chunks.end();
              }
            },
            false);
    chunks.onClose(session::close);
    session.open();
    requests.forEach(session::onRequest);
    // The body ended (the client half-closed): the watchers keep reporting, as in etcd.
  }

  private void keepAlive(HttpCall call, String body) throws InvalidProtocolBufferException {
    List<LeaseKeepAliveRequest> requests = new ArrayList<>();
    for (String json : JsonObjects.split(body)) {
      requests.add(parse(json, LeaseKeepAliveRequest.parser(), "LeaseKeepAliveRequest"));
    }
    HttpCall.ChunkedResponse chunks = call.startChunked(200, JSON);
    LeaseService.KeepAliveStream stream =
        leases
        .new KeepAliveStream(
            response -> chunks.write(result(response)),
            status -> {
              chunks.write(streamError(status));
              chunks.end();
            },
            chunks::end);
    chunks.onClose(stream::cancel);
    requests.forEach(stream::onRequest);
    stream.onHalfClose();
  }

  static byte[] result(Message response) {
    return ("{\"result\":" + print(response) + "}\n").getBytes(StandardCharsets.UTF_8);
  }

  /** grpc-gateway v1's error object inside a stream. */
  static byte[] streamError(Status status) {
    JsonObject inner = new JsonObject();
    int http = EtcdErrors.httpStatus(status.getCode());
    inner.addProperty("grpc_code", status.getCode().value());
    inner.addProperty("http_code", http);
    inner.addProperty("message", String.valueOf(status.getDescription()));
    inner.addProperty(
        "http_status", io.netty.handler.codec.http.HttpResponseStatus.valueOf(http).reasonPhrase());
    JsonObject outer = new JsonObject();
    outer.add("error", inner);
    return (outer + "\n").getBytes(StandardCharsets.UTF_8);
  }

  // ---------------------------------------------------------------------------------------------
  // JSON

  /**
   * Parses one JSON request through the patched schema (so fields jetcd's stubs lack are read by
   * name), then as jetcd's type (those fields become unknown fields). An empty body is the empty
   * request, as in grpc-gateway.
   */
  static <Q extends Message> Q parse(String json, Parser<Q> parser, String type)
      throws InvalidProtocolBufferException {
    DynamicMessage.Builder b = DynamicMessage.newBuilder(EtcdSchema.type(type));
    if (!json.isBlank()) {
      PARSER.merge(json, b);
    }
    return parser.parseFrom(b.build().toByteString());
  }

  /** Parses one JSON request of a type outside {@code etcdserverpb}; an empty body is empty. */
  @SuppressWarnings("unchecked")
  static <Q extends Message> Q parse(String json, Q prototype)
      throws InvalidProtocolBufferException {
    Message.Builder b = prototype.newBuilderForType();
    if (!json.isBlank()) {
      PARSER.merge(json, b);
    }
    return (Q) b.build();
  }

  static String print(Message m) {
    boolean patched =
        !(m instanceof DynamicMessage)
            && m.getDescriptorForType().getFile() == io.etcd.jetcd.api.JetcdProto.getDescriptor();
    try {
      return PRINTER.print(patched ? EtcdSchema.patched(m) : m);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("printing " + m.getDescriptorForType().getName(), e);
    }
  }

  static void error(HttpCall call, Status status) {
    String message = String.valueOf(status.getDescription());
    JsonObject o = new JsonObject();
    o.addProperty("error", message);
    o.addProperty("code", status.getCode().value());
    o.addProperty("message", message);
    call.respondJson(EtcdErrors.httpStatus(status.getCode()), o.toString());
  }
}
