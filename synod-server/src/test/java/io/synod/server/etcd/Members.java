package io.synod.server.etcd;

import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.synod.server.Await;
import io.synod.server.ServerConfig;
import io.synod.server.ServerFlags;
import io.synod.server.StartupException;
import io.synod.server.SynodServer;
import io.synod.server.TestPorts;
import io.synod.server.node.NodeStatus;
import io.synod.storage.FileLogStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * In-process members serving the etcd API on loopback ports, whose set changes: founding members,
 * then members added at run time and started with {@code --initial-cluster-state existing}. Gives
 * gRPC channels and jetcd clients per member; closes everything and checks no replica loop failed.
 */
final class Members implements AutoCloseable {
  static final Duration LIMIT = Duration.ofSeconds(30);

  /** A member's name and ports (reserved before it starts). */
  record Node(String name, int clientPort, int peerPort) {
    String clientUrl() {
      return "http://127.0.0.1:" + clientPort;
    }

    String peerUrl() {
      return "http://127.0.0.1:" + peerPort;
    }
  }

  private final Path root;
  private final List<String> extraFlags;
  private final SynodServer.Options options;
  final Map<String, Node> nodes = new LinkedHashMap<>();
  final Map<String, SynodServer> servers = new LinkedHashMap<>();
  final List<Throwable> fatal = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  Members(int n, Path root, SynodServer.Options options, String... extraFlags)
      throws StartupException {
    this.root = root;
    this.options = options;
    this.extraFlags = List.of(extraFlags);
    for (int i = 1; i <= n; i++) {
      reserve("m" + i);
    }
    String initial = initialCluster();
    for (Node node : List.copyOf(nodes.values())) {
      start(node, initial, "new");
    }
    if (n > 0) {
      awaitLeader();
    }
  }

  Members(int n, Path root, String... extraFlags) throws StartupException {
    this(n, root, defaults(), extraFlags);
  }

  static SynodServer.Options defaults() {
    return SynodServer.Options.defaults().withStorage(new FileLogStore.Options(1 << 20, 2));
  }

  /** Ports for a member called {@code name}, not started yet. */
  Node reserve(String name) {
    List<Integer> ports = TestPorts.free(2);
    Node node = new Node(name, ports.get(0), ports.get(1));
    nodes.put(name, node);
    return node;
  }

  /** Every reserved member's name=peerURL. */
  String initialCluster() {
    List<String> parts = new ArrayList<>();
    nodes.values().forEach(n -> parts.add(n.name() + "=" + n.peerUrl()));
    return String.join(",", parts);
  }

  /** Starts {@code node} joining the running cluster (after MemberAdd). */
  SynodServer join(Node node) throws StartupException {
    return start(node, initialCluster(), "existing");
  }

  SynodServer start(Node node, String initialCluster, String state) throws StartupException {
    SynodServer s = EtcdApi.start(config(node, initialCluster, state), options, fatal::add);
    servers.put(node.name(), s);
    return s;
  }

  /** Restarts a stopped member on its data dir. */
  SynodServer restart(String name) throws StartupException {
    Node node = nodes.get(name);
    SynodServer s = EtcdApi.start(config(node, null, "new"), options, fatal::add);
    servers.put(name, s);
    return s;
  }

  ServerConfig config(Node node, String initialCluster, String state) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--name=" + node.name(),
                "--data-dir=" + dataDir(node.name()),
                "--listen-client-urls=" + node.clientUrl(),
                "--advertise-client-urls=" + node.clientUrl(),
                "--listen-peer-urls=" + node.peerUrl(),
                "--initial-advertise-peer-urls=" + node.peerUrl(),
                "--initial-cluster-token=test-cluster",
                "--initial-cluster-state=" + state,
                "--heartbeat-interval=50",
                "--election-timeout=500"));
    if (initialCluster != null) {
      args.add("--initial-cluster=" + initialCluster);
    }
    args.addAll(extraFlags);
    StringWriter err = new StringWriter();
    ServerFlags.Parsed p =
        ServerFlags.parse(
            args.toArray(String[]::new),
            Map.of(),
            new PrintWriter(new StringWriter()),
            new PrintWriter(err));
    if (!(p instanceof ServerFlags.Parsed.Run r)) {
      throw new IllegalStateException("bad test flags: " + err);
    }
    return r.config();
  }

  Path dataDir(String name) {
    return root.resolve(name);
  }

  SynodServer server(String name) {
    return servers.get(name);
  }

  long id(String name) {
    return servers.get(name).context().memberId();
  }

  void stop(String name) {
    SynodServer s = servers.remove(name);
    if (s != null) {
      s.close();
    }
  }

  /** Waits until every running member knows the same leader; returns its name. */
  String awaitLeader() {
    return Await.value(
        LIMIT,
        "one leader all members agree on",
        () -> {
          long leader = -1;
          String name = null;
          for (Map.Entry<String, SynodServer> e : servers.entrySet()) {
            NodeStatus st = e.getValue().runner().status();
            if (!st.hasLeader() || (leader != -1 && st.leaderId() != leader)) {
              return null;
            }
            leader = st.leaderId();
            if (st.isLeader()) {
              name = e.getKey();
            }
          }
          return name;
        });
  }

  /** A running member that does not lead. */
  String follower() {
    String leader = awaitLeader();
    return servers.keySet().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
  }

  ManagedChannel channel(String name) {
    Node node = nodes.get(name);
    ManagedChannel ch =
        NettyChannelBuilder.forAddress("127.0.0.1", node.clientPort()).usePlaintext().build();
    closeables.add(
        () -> {
          ch.shutdownNow();
          ch.awaitTermination(5, TimeUnit.SECONDS);
        });
    return ch;
  }

  Client client(String... names) {
    String[] endpoints = new String[names.length];
    for (int i = 0; i < names.length; i++) {
      endpoints[i] = nodes.get(names[i]).clientUrl();
    }
    Client c = Client.builder().endpoints(endpoints).build();
    closeables.add(c);
    return c;
  }

  @Override
  public void close() {
    Closeables.closeAll(closeables);
    servers.values().forEach(SynodServer::close);
    servers.clear();
    if (!fatal.isEmpty()) {
      throw new AssertionError("a replica loop failed", fatal.get(0));
    }
  }
}
