package io.synod.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client port answers gRPC (h2c) and HTTP/1.1 on the same address. */
class ClientPortTest {
  @TempDir Path dir;
  private SynodServer server;
  private LocalCluster cluster;
  private ManagedChannel channel;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @BeforeEach
  void start() throws Exception {
    cluster = new LocalCluster(1, dir);
    SynodServer.Options options =
        new SynodServer.Options(
            ClusterTest.testOptions().storage(),
            5_000,
            100,
            io.synod.server.peer.PeerTransport.Options.defaults(),
            4,
            2,
            Duration.ofMillis(300),
            Duration.ofSeconds(1),
            Duration.ofSeconds(30));
    server =
        SynodServer.start(cluster.config(0), options, CounterStateMachine::new, List.of(), t -> {});
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPorts.get(0))
            .usePlaintext()
            .build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(cluster.clientUrl(0) + path))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void grpcHealthCheckIsServing() {
    HealthCheckResponse r =
        HealthGrpc.newBlockingStub(channel)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .check(HealthCheckRequest.newBuilder().setService("").build());
    assertThat(r.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void unknownGrpcServiceIsUnimplementedNotAProtocolError() {
    assertThatThrownBy(
            () ->
                HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(5, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder().setService("etcdserverpb.KV").build()))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(
            e ->
                assertThat(((StatusRuntimeException) e).getStatus().getCode())
                    .isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void versionOverHttp11() throws Exception {
    HttpResponse<String> r = get("/version");
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(r.body()).isEqualTo("{\"etcdserver\":\"3.4.23\",\"etcdcluster\":\"3.4.0\"}");
  }

  @Test
  void healthIsTrueOnceTheMemberHasALeader() throws Exception {
    Await.until(
        Duration.ofSeconds(20),
        "/health true",
        () -> {
          try {
            HttpResponse<String> r = get("/health");
            return r.statusCode() == 200 && r.body().equals("{\"health\":\"true\"}");
          } catch (Exception e) {
            return false;
          }
        });
  }

  @Test
  void unknownPathsAndMethodsAnswerLikeGoNetHttp() throws Exception {
    assertThat(get("/nope").statusCode()).isEqualTo(404);
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(URI.create(cluster.clientUrl(0) + "/version"))
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
  }

  @Test
  void bothProtocolsWorkOneAfterTheOtherOnManyConnections() throws Exception {
    for (int i = 0; i < 20; i++) {
      assertThat(get("/version").statusCode()).isEqualTo(200);
      assertThat(
              HealthGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(5, TimeUnit.SECONDS)
                  .check(HealthCheckRequest.getDefaultInstance())
                  .getStatus())
          .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }
  }

  @Test
  void aSilentConnectionIsClosedAfterTheSniffTimeout() throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), cluster.clientPorts.get(0))) {
      s.setSoTimeout(10_000);
      InputStream in = s.getInputStream();
      assertThat(in.read()).isEqualTo(-1);
    }
  }
}
