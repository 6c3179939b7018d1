package io.synod.server.member;

import io.synod.server.InitialCluster;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The members a node knows at start: id → name and peer URLs, derived from {@code
 * --initial-cluster} and the cluster token. Immutable.
 *
 * @param byId every member's peer URLs by Raft id, in the flag's order
 * @param names every member's name by Raft id
 */
public record ClusterMembers(Map<Long, List<String>> byId, Map<Long, String> names) {
  public ClusterMembers {
    byId = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(byId));
    names = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(names));
  }

  /** Derives every member's id from its peer URLs and the token. */
  public static ClusterMembers of(InitialCluster cluster, String token) {
    Map<Long, List<String>> byId = new LinkedHashMap<>();
    Map<Long, String> names = new LinkedHashMap<>();
    cluster
        .members()
        .forEach(
            (name, urls) -> {
              long id = MemberIds.memberId(urls, token);
              if (byId.put(id, urls) != null) {
                throw new IllegalArgumentException(
                    "--initial-cluster: two members hash to the same id " + MemberIds.hex(id));
              }
              names.put(id, name);
            });
    return new ClusterMembers(byId, names);
  }

  /** The cluster id of these members. */
  public long clusterId() {
    return MemberIds.clusterId(byId.keySet());
  }

  /** The id of the member called {@code name}. */
  public long idOf(String name) {
    for (Map.Entry<Long, String> e : names.entrySet()) {
      if (e.getValue().equals(name)) {
        return e.getKey();
      }
    }
    throw new IllegalArgumentException("no member called " + name);
  }
}
