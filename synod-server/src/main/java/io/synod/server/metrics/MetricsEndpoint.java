package io.synod.server.metrics;

import io.synod.server.client.HttpCall;
import io.synod.server.client.HttpRouter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * {@code GET /metrics} on the client port, as etcd serves it: the member's metrics in Prometheus'
 * text format. The scrape runs on {@code executor}, off the connection's event loop (measuring the
 * data directory reads the file system).
 */
public final class MetricsEndpoint {
  private MetricsEndpoint() {}

  public static void register(HttpRouter router, ServerMetrics metrics, Executor executor) {
    router.exact("/metrics", call -> serve(call, metrics, executor));
  }

  private static void serve(HttpCall call, ServerMetrics metrics, Executor executor) {
    if (!call.method().equals("GET") && !call.method().equals("HEAD")) {
      call.respond(
          405,
          "text/plain; charset=utf-8",
          "Method Not Allowed\n".getBytes(StandardCharsets.UTF_8));
      return;
    }
    try {
      executor.execute(() -> scrape(call, metrics));
    } catch (RejectedExecutionException e) {
      call.respond(
          503, "text/plain; charset=utf-8", "server stopping\n".getBytes(StandardCharsets.UTF_8));
    }
  }

  private static void scrape(HttpCall call, ServerMetrics metrics) {
    byte[] body;
    try {
      body = metrics.scrape();
    } catch (RuntimeException e) {
      call.respond(
          500,
          "text/plain; charset=utf-8",
          ("cannot collect metrics: " + e + "\n").getBytes(StandardCharsets.UTF_8));
      return;
    }
    call.respond(200, metrics.contentType(), body);
  }
}
