package io.synod.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The load generator's gRPC channels (one HTTP/2 connection each) to a cluster's client endpoints:
 * channel i goes to endpoint i mod the endpoint count, so channels spread over all members as a
 * client configured with every endpoint would. Plaintext; the generator's callbacks run on the
 * channels' network threads ({@code directExecutor}), which is why every callback here must be
 * short and never block. Thread-safe; closed once.
 */
final class EtcdChannels implements AutoCloseable {
  private static final int INBOUND_BYTES_MAX = 64 << 20;
  private static final long CLOSE_SECONDS_MAX = 5;

  private final List<ManagedChannel> channels;
  private final List<String> endpoints;

  private EtcdChannels(List<ManagedChannel> channels, List<String> endpoints) {
    this.channels = channels;
    this.endpoints = endpoints;
  }

  static EtcdChannels open(List<String> endpoints, int conns) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("no endpoints");
    }
    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < conns; i++) {
      HostPort hp = HostPort.parse(endpoints.get(i % endpoints.size()));
      channels.add(
          NettyChannelBuilder.forAddress(hp.host(), hp.port())
              .usePlaintext()
              .directExecutor()
              .maxInboundMessageSize(INBOUND_BYTES_MAX)
              .build());
    }
    return new EtcdChannels(List.copyOf(channels), List.copyOf(endpoints));
  }

  int size() {
    return channels.size();
  }

  /** Channel {@code i} modulo the channel count (any int, negative included). */
  ManagedChannel get(long i) {
    return channels.get((int) Math.floorMod(i, (long) channels.size()));
  }

  List<String> endpoints() {
    return endpoints;
  }

  @Override
  public void close() {
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_SECONDS_MAX);
    try {
      for (ManagedChannel c : channels) {
        long left = deadline - System.nanoTime();
        if (left > 0) {
          c.awaitTermination(left, TimeUnit.NANOSECONDS);
        }
      }
    } catch (InterruptedException e) {
      // Closing is best effort; the caller learns of the interrupt from the flag.
      Thread.currentThread().interrupt();
    }
  }

  /** An endpoint as {@code host:port} or {@code http://host:port}. */
  record HostPort(String host, int port) {
    static HostPort parse(String endpoint) {
      String e = endpoint.trim();
      if (e.startsWith("http://")) {
        e = e.substring("http://".length());
      } else if (e.contains("://")) {
        throw new IllegalArgumentException(
            "endpoint " + endpoint + ": only plaintext (http:// or host:port) is supported");
      }
      if (e.endsWith("/")) {
        e = e.substring(0, e.length() - 1);
      }
      int colon = e.lastIndexOf(':');
      if (colon <= 0 || colon == e.length() - 1) {
        throw new IllegalArgumentException("endpoint " + endpoint + ": expected host:port");
      }
      int port;
      try {
        port = Integer.parseInt(e.substring(colon + 1));
      } catch (NumberFormatException ex) {
        throw new IllegalArgumentException("endpoint " + endpoint + ": bad port", ex);
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("endpoint " + endpoint + ": port out of range");
      }
      return new HostPort(e.substring(0, colon), port);
    }
  }
}
