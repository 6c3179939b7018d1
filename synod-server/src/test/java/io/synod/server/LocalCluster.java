package io.synod.server;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Flags for an n-member cluster on loopback ports below 32768, with data dirs under a root. */
public final class LocalCluster {
  public final List<String> names = new ArrayList<>();
  public final List<Integer> clientPorts;
  public final List<Integer> peerPorts;
  private final Path root;
  private final String initialCluster;
  private final List<String> extraFlags;

  public LocalCluster(int n, Path root) {
    this(n, root, List.of());
  }

  /** As above, with {@code extraFlags} given to every member. */
  public LocalCluster(int n, Path root, List<String> extraFlags) {
    this.root = root;
    this.extraFlags = List.copyOf(extraFlags);
    List<Integer> ports = TestPorts.free(2 * n);
    this.clientPorts = ports.subList(0, n);
    this.peerPorts = ports.subList(n, 2 * n);
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      names.add("m" + (i + 1));
      parts.add(names.get(i) + "=http://127.0.0.1:" + peerPorts.get(i));
    }
    this.initialCluster = String.join(",", parts);
  }

  /** etcd's flags for member {@code i}. */
  public List<String> args(int i) {
    List<String> args = new ArrayList<>();
    for (String a : base(i)) {
      String name = a.substring(0, a.indexOf('='));
      if (extraFlags.stream().noneMatch(f -> f.startsWith(name + "="))) {
        args.add(a); // an extra flag of the same name replaces the default
      }
    }
    args.addAll(extraFlags);
    return args;
  }

  private List<String> base(int i) {
    return List.of(
        "--name=" + names.get(i),
        "--data-dir=" + dataDir(i),
        "--listen-client-urls=http://127.0.0.1:" + clientPorts.get(i),
        "--advertise-client-urls=http://127.0.0.1:" + clientPorts.get(i),
        "--listen-peer-urls=http://127.0.0.1:" + peerPorts.get(i),
        "--initial-advertise-peer-urls=http://127.0.0.1:" + peerPorts.get(i),
        "--initial-cluster=" + initialCluster,
        "--initial-cluster-token=test-cluster",
        "--heartbeat-interval=50",
        "--election-timeout=500");
  }

  public Path dataDir(int i) {
    return root.resolve(names.get(i));
  }

  public ServerConfig config(int i) {
    StringWriter err = new StringWriter();
    ServerFlags.Parsed p =
        ServerFlags.parse(
            args(i).toArray(String[]::new),
            Map.of(),
            new PrintWriter(new StringWriter()),
            new PrintWriter(err));
    if (!(p instanceof ServerFlags.Parsed.Run r)) {
      throw new IllegalStateException("bad test flags: " + err);
    }
    return r.config();
  }

  public String clientUrl(int i) {
    return "http://127.0.0.1:" + clientPorts.get(i);
  }
}
