package io.synod.server.cluster;

import java.util.List;

/**
 * One member of the cluster as etcd's {@code MemberList} shows it. A member added by {@code
 * MemberAdd} that has not started yet has an empty name and no client URLs; it publishes them when
 * it starts. Immutable.
 *
 * @param id the member's Raft id
 * @param name its {@code --name}, or empty until it started
 * @param peerUrls its peer URLs (from {@code --initial-advertise-peer-urls}, MemberAdd or
 *     MemberUpdate), sorted
 * @param clientUrls its {@code --advertise-client-urls}, or empty until it started
 * @param learner whether it is a Raft learner (a non-voting member)
 */
public record Member(
    long id, String name, List<String> peerUrls, List<String> clientUrls, boolean learner) {
  public Member {
    peerUrls = List.copyOf(peerUrls);
    clientUrls = List.copyOf(clientUrls);
  }

  /** Whether it has published its name and client URLs (etcdctl's "started"). */
  public boolean started() {
    return !name.isEmpty();
  }
}
