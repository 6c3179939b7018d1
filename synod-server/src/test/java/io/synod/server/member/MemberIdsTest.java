package io.synod.server.member;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.server.InitialCluster;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemberIdsTest {
  @Test
  void etcdsDefaultMemberAndClusterIds() {
    // etcd started with no flags logs member 8e9e05c52164694d of cluster cdf818194e3a8c32.
    long member = MemberIds.etcdMemberHash(List.of("http://localhost:2380"), "etcd-cluster");
    assertThat(MemberIds.hex(member)).isEqualTo("8e9e05c52164694d");
    assertThat(MemberIds.hex(MemberIds.etcdClusterHash(List.of(member))))
        .isEqualTo("cdf818194e3a8c32");
  }

  @Test
  void raftIdsArePositiveAndStable() {
    long id = MemberIds.memberId(List.of("http://localhost:2380"), "etcd-cluster");
    assertThat(MemberIds.hex(id)).isEqualTo("e9e05c52164694d");
    assertThat(id).isPositive();
    assertThat(MemberIds.memberId(List.of("http://localhost:2380"), "etcd-cluster")).isEqualTo(id);
  }

  @Test
  void urlOrderDoesNotMatterButTokenDoes() {
    long a = MemberIds.memberId(List.of("http://a:1", "http://b:1"), "t");
    long b = MemberIds.memberId(List.of("http://b:1", "http://a:1"), "t");
    long c = MemberIds.memberId(List.of("http://a:1", "http://b:1"), "u");
    assertThat(a).isEqualTo(b).isNotEqualTo(c);
  }

  @Test
  void clusterIdIgnoresMemberOrder() {
    assertThat(MemberIds.clusterId(List.of(1L, 2L, 3L)))
        .isEqualTo(MemberIds.clusterId(List.of(3L, 1L, 2L)))
        .isNotZero();
  }

  @Test
  void everyMemberDerivesTheSameIdsFromTheSameFlags() {
    InitialCluster ic =
        InitialCluster.parse("n1=http://127.0.0.1:1,n2=http://127.0.0.1:2,n3=http://127.0.0.1:3");
    ClusterMembers m1 = ClusterMembers.of(ic, "tok");
    ClusterMembers m2 = ClusterMembers.of(InitialCluster.parse(ic.format()), "tok");
    assertThat(m1.byId()).isEqualTo(m2.byId());
    assertThat(m1.clusterId()).isEqualTo(m2.clusterId());
    assertThat(m1.byId()).hasSize(3);
    assertThat(m1.idOf("n2")).isEqualTo(MemberIds.memberId(List.of("http://127.0.0.1:2"), "tok"));
  }

  @Test
  void hexRoundTrips() {
    long id = 0x8e9e05c52164694dL;
    assertThat(MemberIds.parseHex(MemberIds.hex(id))).isEqualTo(id);
  }
}
