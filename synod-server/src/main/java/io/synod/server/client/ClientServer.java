package io.synod.server.client;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client port: gRPC over h2c and HTTP/1.1 on the same listen addresses ({@link
 * ProtocolSniffer}), with etcd's transport rules (etcd-api.md §0):
 *
 * <ul>
 *   <li>{@code grpc.health.v1.Health} serves service "" as SERVING (NOT_SERVING while stopping);
 *   <li>keepalive enforcement permits client pings every {@code --grpc-keepalive-min-time} (5 s),
 *       also without active calls, so idle watch and lease streams are not cut with
 *       ENHANCE_YOUR_CALM; the server pings idle connections every 2 h (etcd's default);
 *   <li>a gRPC message may be {@code --max-request-bytes} + 512 KiB; so may an HTTP/1.1 body.
 * </ul>
 *
 * gRPC services run on a fixed pool of threads (never gRPC's unbounded default); they must not
 * block on the replica loop but chain on its futures. Services named non-blocking run on Netty's
 * threads instead, saving a hand-over per call.
 */
public final class ClientServer implements AutoCloseable {
  /**
   * Knobs.
   *
   * @param listen addresses to bind (port 0 picks a free port)
   * @param maxReceiveBytes the largest gRPC message or HTTP/1.1 body accepted
   * @param keepAliveMinTime the shortest client ping interval permitted
   * @param sniffTimeout how long a new connection may take to show its protocol
   * @param threads the gRPC service threads
   */
  public record Options(
      List<InetSocketAddress> listen,
      int maxReceiveBytes,
      Duration keepAliveMinTime,
      Duration sniffTimeout,
      int threads) {
    public Options {
      listen = List.copyOf(listen);
      if (listen.isEmpty()) {
        throw new IllegalArgumentException("no listen address");
      }
    }
  }

  private final Server server;
  private final HealthStatusManager health = new HealthStatusManager();
  private final ExecutorService executor;

  /** Prepares the server; {@link #start()} binds it. */
  public ClientServer(Options options, List<ServerServiceDefinition> services, HttpRouter router) {
    this(options, services, Set.of(), router);
  }

  /**
   * As above; calls of the services named in {@code nonBlockingServices} run on Netty's threads
   * (their handlers must never block).
   */
  public ClientServer(
      Options options,
      List<ServerServiceDefinition> services,
      Set<String> nonBlockingServices,
      HttpRouter router) {
    Set<String> direct = Set.copyOf(nonBlockingServices);
    AtomicInteger n = new AtomicInteger();
    this.executor =
        Executors.newFixedThreadPool(
            options.threads(),
            r -> {
              Thread t = new Thread(r, "synod-grpc-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    ProtocolSniffer sniffer =
        new ProtocolSniffer(router, options.maxReceiveBytes(), options.sniffTimeout());
    NettyServerBuilder b =
        NettyServerBuilder.forAddress(
            options.listen().get(0), InternalNettyServerCredentials.create(sniffer));
    for (SocketAddress extra : options.listen().subList(1, options.listen().size())) {
      b.addListenAddress(extra);
    }
    long keepAliveMinMillis =
        Math.min(options.keepAliveMinTime().toMillis(), TimeUnit.SECONDS.toMillis(5));
    b.permitKeepAliveTime(keepAliveMinMillis, TimeUnit.MILLISECONDS)
        .permitKeepAliveWithoutCalls(true)
        .keepAliveTime(2, TimeUnit.HOURS)
        .keepAliveTimeout(20, TimeUnit.SECONDS)
        .maxInboundMessageSize(options.maxReceiveBytes())
        // The sniffer closes connections that show no protocol in time; an HTTP/1.1 connection
        // never completes gRPC's handshake, so gRPC's own handshake timeout must not apply.
        .handshakeTimeout(Long.MAX_VALUE, TimeUnit.MILLISECONDS)
        // gRPC looks the method up on the default executor and only then asks the supplier, so
        // the default is Netty's thread and the supplier moves every other service to the pool.
        .directExecutor()
        .callExecutor(
            new ServerCallExecutorSupplier() {
              @Override
              public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata headers) {
                return direct.contains(call.getMethodDescriptor().getServiceName())
                    ? null
                    : executor;
              }
            })
        .addService(health.getHealthService());
    for (ServerServiceDefinition s : services) {
      b.addService(s);
    }
    health.setStatus("", ServingStatus.SERVING);
    this.server = b.build();
  }

  /** Binds the listen addresses. */
  public ClientServer start() throws IOException {
    server.start();
    return this;
  }

  /** The addresses bound (with the real ports when 0 was asked for). */
  public List<InetSocketAddress> boundAddresses() {
    List<InetSocketAddress> out = new ArrayList<>();
    for (SocketAddress a : server.getListenSockets()) {
      out.add((InetSocketAddress) a);
    }
    return out;
  }

  /** Stops serving: health turns NOT_SERVING, calls in flight get a short grace period. */
  @Override
  public void close() {
    health.enterTerminalState();
    server.shutdown();
    try {
      if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
        server.shutdownNow();
        server.awaitTermination(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    executor.shutdownNow();
  }
}
