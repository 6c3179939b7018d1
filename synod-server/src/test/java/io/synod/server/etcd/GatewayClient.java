package io.synod.server.etcd;

import io.synod.server.SynodServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.function.IntFunction;

/** HTTP/1.1 client for the gateway tests: requests go to {@code endpoint(member) + path}. */
final class GatewayClient {
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();
  private final IntFunction<String> endpoint;

  /** {@code endpoint} maps a member index to its base URL; it is resolved on every request. */
  GatewayClient(IntFunction<String> endpoint) {
    this.endpoint = endpoint;
  }

  static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  /** The header every response of {@code server} carries, with {@code revision}. */
  static String header(SynodServer server, long revision) {
    var ctx = server.context();
    return "{\"cluster_id\":\""
        + Long.toUnsignedString(ctx.clusterId())
        + "\",\"member_id\":\""
        + Long.toUnsignedString(ctx.memberId())
        + "\",\"revision\":\""
        + revision
        + "\",\"raft_term\":\""
        + server.runner().status().term()
        + "\"}";
  }

  HttpRequest.Builder request(String path) {
    return request(0, path);
  }

  HttpRequest.Builder request(int member, String path) {
    return HttpRequest.newBuilder(URI.create(endpoint.apply(member) + path))
        .timeout(Duration.ofSeconds(20));
  }

  <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException, InterruptedException {
    return http.send(request, handler);
  }

  HttpResponse<String> post(String path, String body) throws Exception {
    return post(0, path, body);
  }

  HttpResponse<String> post(int member, String path, String body) throws Exception {
    return send(
        request(member, path).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** GET with checked failures rethrown unchecked, for use inside polling lambdas. */
  HttpResponse<String> get(int member, String path) {
    try {
      return send(request(member, path).GET().build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
