package io.synod.server.etcd;

import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.synod.server.Await;
import io.synod.server.LocalCluster;
import io.synod.server.StartupException;
import io.synod.server.SynodServer;
import io.synod.server.node.NodeStatus;
import io.synod.storage.FileLogStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * n members serving the etcd API in this JVM on loopback ports, with jetcd clients and raw gRPC
 * channels per member; closes everything and checks no replica loop failed.
 */
final class EtcdCluster implements AutoCloseable {
  static final Duration LIMIT = Duration.ofSeconds(30);

  final LocalCluster flags;
  final SynodServer[] servers;
  final List<Throwable> fatal = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  EtcdCluster(int n, Path dir, String... extraFlags) throws StartupException {
    this.flags = new LocalCluster(n, dir, List.of(extraFlags));
    this.servers = new SynodServer[n];
    for (int i = 0; i < n; i++) {
      start(i);
    }
    awaitLeader();
  }

  void start(int i) throws StartupException {
    servers[i] =
        EtcdApi.start(
            flags.config(i),
            SynodServer.Options.defaults().withStorage(new FileLogStore.Options(1 << 20, 2)),
            fatal::add);
  }

  void stop(int i) {
    servers[i].close();
    servers[i] = null;
  }

  /** Waits until every running member knows the same leader; returns its index. */
  int awaitLeader() {
    return Await.value(
        LIMIT,
        "one leader all members agree on",
        () -> {
          long leader = -1;
          Integer index = null;
          for (int i = 0; i < servers.length; i++) {
            if (servers[i] == null) {
              continue;
            }
            NodeStatus st = servers[i].runner().status();
            if (!st.hasLeader() || (leader != -1 && st.leaderId() != leader)) {
              return null;
            }
            leader = st.leaderId();
            if (st.isLeader()) {
              index = i;
            }
          }
          return index;
        });
  }

  int follower() {
    int leader = awaitLeader();
    for (int i = 0; i < servers.length; i++) {
      if (i != leader && servers[i] != null) {
        return i;
      }
    }
    throw new IllegalStateException("no follower");
  }

  String endpoint(int i) {
    return flags.clientUrl(i);
  }

  int port(int i) {
    return flags.clientPorts.get(i);
  }

  /** A jetcd client of member {@code i} only. */
  Client client(int i) {
    Client c = Client.builder().endpoints(endpoint(i)).build();
    closeables.add(c);
    return c;
  }

  /** A plain gRPC channel to member {@code i}. */
  ManagedChannel channel(int i) {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port(i)).usePlaintext().build();
    closeables.add(
        () -> {
          ch.shutdownNow();
          ch.awaitTermination(5, TimeUnit.SECONDS);
        });
    return ch;
  }

  @Override
  public void close() {
    Closeables.closeAll(closeables);
    for (SynodServer s : servers) {
      if (s != null) {
        s.close();
      }
    }
    if (!fatal.isEmpty()) {
      throw new AssertionError("a replica loop failed", fatal.get(0));
    }
  }
}
