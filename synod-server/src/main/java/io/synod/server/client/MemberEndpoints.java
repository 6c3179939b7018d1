package io.synod.server.client;

import io.synod.server.SynodVersion;
import io.synod.server.node.NodeRunner;
import io.synod.server.node.ReadResult;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * etcd's HTTP endpoints outside the gateway (etcd-api.md §10): {@code GET /version} and {@code GET
 * /health}. {@code /health} is true when the member knows a leader and a linearizable read (a
 * ReadIndex round through the leader) completes within a second, as etcd 3.4 checks with a read.
 */
public final class MemberEndpoints {
  private static final String VERSION_JSON =
      "{\"etcdserver\":\""
          + SynodVersion.ETCD_SERVER
          + "\",\"etcdcluster\":\""
          + SynodVersion.ETCD_CLUSTER
          + "\"}";

  private MemberEndpoints() {}

  /** Registers both endpoints. */
  public static void register(HttpRouter router, NodeRunner runner, Duration healthTimeout) {
    router.exact("/version", call -> version(call));
    router.exact("/health", call -> health(call, runner, healthTimeout));
  }

  private static boolean allowGet(HttpCall call) {
    if (call.method().equals("GET") || call.method().equals("HEAD")) {
      return true;
    }
    call.respond(
        405,
        "text/plain; charset=utf-8",
        "Method Not Allowed\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return false;
  }

  private static void version(HttpCall call) {
    if (allowGet(call)) {
      call.respondJson(200, VERSION_JSON);
    }
  }

  private static void health(HttpCall call, NodeRunner runner, Duration timeout) {
    if (!allowGet(call)) {
      return;
    }
    if (!runner.status().hasLeader()) {
      call.respondJson(503, "{\"health\":\"false\"}");
      return;
    }
    runner
        .read(sm -> Boolean.TRUE)
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete(
            (result, error) -> {
              boolean ok = error == null && result instanceof ReadResult.Value;
              call.respondJson(
                  ok ? 200 : 503, ok ? "{\"health\":\"true\"}" : "{\"health\":\"false\"}");
            });
  }
}
