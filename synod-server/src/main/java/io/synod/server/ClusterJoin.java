package io.synod.server;

import io.synod.common.Bytes;
import io.synod.server.cluster.ClusterTable;
import io.synod.server.cluster.Member;
import io.synod.server.member.ClusterMembers;
import io.synod.server.member.JoinLookup;
import io.synod.server.member.MemberIds;
import io.synod.server.node.ForwardKind;
import io.synod.server.peer.PeerStats;
import io.synod.server.peer.PeerTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A joining member's first start ({@code --initial-cluster-state existing}): asks the other members
 * of {@code --initial-cluster}, over the peer port ({@link ForwardKind#CLUSTER_INFO}), for the
 * cluster's id and member table, and finds itself in it by its peer URLs, as etcd's joining member
 * does (the member must have been added first, with {@code etcdctl member add}). Members are asked
 * in turn, a round every half second, until one answers or the time limit passes.
 */
final class ClusterJoin implements JoinLookup {
  private final long groupId;
  private final PeerTransport.Options peerOptions;
  private final Duration limit;

  ClusterJoin(long groupId, PeerTransport.Options peerOptions, Duration limit) {
    this.groupId = groupId;
    this.peerOptions = peerOptions;
    this.limit = limit;
  }

  @Override
  public Joined lookup(ServerConfig cfg) throws StartupException {
    List<String> selfUrls = List.copyOf(new TreeSet<>(cfg.initialAdvertisePeerUrls()));
    ClusterMembers flags = ClusterMembers.of(cfg.initialCluster(), cfg.initialClusterToken());
    Map<Long, List<String>> others = new LinkedHashMap<>();
    flags
        .byId()
        .forEach(
            (id, urls) -> {
              if (!List.copyOf(new TreeSet<>(urls)).equals(selfUrls)) {
                others.put(id, urls);
              }
            });
    if (others.isEmpty()) {
      throw new StartupException(
          "--initial-cluster-state=existing: --initial-cluster names no other member to join");
    }
    long deadline = System.nanoTime() + limit.toNanos();
    List<String> failures = new ArrayList<>();
    try (PeerTransport t = new PeerTransport(0, others, peerOptions, new PeerStats())) {
      while (true) {
        failures.clear();
        for (Map.Entry<Long, List<String>> peer : others.entrySet()) {
          try {
            Bytes reply =
                t.forward(peer.getKey(), groupId, ForwardKind.CLUSTER_INFO, Bytes.EMPTY)
                    .get(peerOptions.forwardTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return find(cfg, selfUrls, reply);
          } catch (ExecutionException | TimeoutException | IllegalArgumentException e) {
            failures.add(peer.getValue().get(0) + ": " + rootMessage(e));
          }
        }
        if (System.nanoTime() > deadline) {
          throw new StartupException(
              "cannot join: no member of --initial-cluster answered (" + failures + ")");
        }
        Thread.sleep(500);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StartupException("interrupted while looking up the cluster to join", e);
    }
  }

  private static Joined find(ServerConfig cfg, List<String> selfUrls, Bytes reply)
      throws StartupException {
    ClusterTable.Info info = ClusterTable.decodeInfo(reply);
    long clusterId = info.clusterId();
    List<Member> members = info.members();
    Map<Long, List<String>> peers = new LinkedHashMap<>();
    Map<Long, String> names = new LinkedHashMap<>();
    Long self = null;
    for (Member m : members) {
      peers.put(m.id(), m.peerUrls());
      names.put(m.id(), m.name());
      if (m.peerUrls().equals(selfUrls)) {
        self = m.id();
      }
    }
    if (self == null) {
      throw new StartupException(
          "cannot join cluster "
              + MemberIds.hex(clusterId)
              + ": no member has the peer URLs "
              + selfUrls
              + " of --initial-advertise-peer-urls; add it first (etcdctl member add "
              + cfg.name()
              + " --peer-urls="
              + String.join(",", selfUrls)
              + ")");
    }
    return new Joined(self, clusterId, peers, names);
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null) {
      c = c.getCause();
    }
    return c.getMessage() == null ? c.toString() : c.getMessage();
  }
}
