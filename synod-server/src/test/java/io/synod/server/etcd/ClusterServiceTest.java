package io.synod.server.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.DynamicMessage;
import io.etcd.jetcd.api.ClusterGrpc;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.Member;
import io.etcd.jetcd.api.MemberAddRequest;
import io.etcd.jetcd.api.MemberAddResponse;
import io.etcd.jetcd.api.MemberListRequest;
import io.etcd.jetcd.api.MemberListResponse;
import io.etcd.jetcd.api.MemberRemoveRequest;
import io.etcd.jetcd.api.MemberUpdateRequest;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.synod.server.Await;
import io.synod.server.SynodServer;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Cluster service on in-process members: the member list is the same on every member, and
 * MemberAdd, Remove, Update and Promote change it through Raft with etcd's answers and errors; a
 * member added and started with {@code existing} joins (by snapshot when the log was compacted), a
 * removed member learns it and stops.
 */
class ClusterServiceTest {
  @TempDir Path dir;
  private Members members;

  @AfterEach
  void stop() {
    if (members != null) {
      members.close();
    }
  }

  private ClusterGrpc.ClusterBlockingStub cluster(String name) {
    return ClusterGrpc.newBlockingStub(members.channel(name))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private List<Member> list(String name) {
    return cluster(name).memberList(MemberListRequest.getDefaultInstance()).getMembersList();
  }

  /** The member list of {@code name}, or none while it refuses (a learner). */
  private List<Member> listOrNone(String name) {
    try {
      return list(name);
    } catch (StatusRuntimeException refused) {
      return List.of();
    }
  }

  /**
   * Every running member but {@code learners} (which serve no MemberList) lists exactly {@code
   * expected} members, all started.
   */
  private List<Member> awaitListedAlike(int expected, String... learners) {
    return Await.value(
        Members.LIMIT,
        "every member lists the same " + expected + " started members",
        () -> {
          List<Member> first = null;
          for (String name : members.servers.keySet()) {
            if (List.of(learners).contains(name)) {
              continue;
            }
            List<Member> l = list(name);
            if (l.size() != expected
                || l.stream().anyMatch(m -> m.getName().isEmpty() || m.getClientURLsCount() == 0)
                || (first != null && !first.equals(l))) {
              return null;
            }
            first = l;
          }
          return first;
        });
  }

  private static void assertError(Runnable call, Status.Code code, String message) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).isEqualTo(message);
            });
  }

  private DynamicMessage promote(String name, long id) {
    ManagedChannel ch = members.channel(name);
    DynamicMessage request =
        DynamicMessage.newBuilder(ClusterSchema.memberPromoteRequest())
            .setField(ClusterSchema.memberPromoteRequest().findFieldByName("ID"), id)
            .build();
    return ClientCalls.blockingUnaryCall(
        ch,
        ClusterService.MEMBER_PROMOTE,
        CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
        request);
  }

  private void put(String name, String key, String value) {
    KVGrpc.newBlockingStub(members.channel(name))
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .put(
            PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key))
                .setValue(ByteString.copyFromUtf8(value))
                .build());
  }

  private long countSerializable(String name, String prefix) {
    return KVGrpc.newBlockingStub(members.channel(name))
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .range(
            RangeRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(prefix))
                .setRangeEnd(ByteString.copyFromUtf8(prefix + "\uffff"))
                .setSerializable(true)
                .setCountOnly(true)
                .build())
        .getCount();
  }

  @Test
  void everyMemberListsTheSameMembersInIdOrderWithNamesAndUrls() throws Exception {
    members = new Members(3, dir);

    List<Member> list = awaitListedAlike(3);

    assertThat(list).extracting(Member::getID).isSorted();
    for (Member m : list) {
      Members.Node node = members.nodes.get(m.getName());
      assertThat(m.getID()).isEqualTo(members.id(m.getName()));
      assertThat(m.getPeerURLsList()).containsExactly(node.peerUrl());
      assertThat(m.getClientURLsList()).containsExactly(node.clientUrl());
      assertThat(m.getIsLearner()).isFalse();
    }
    MemberListResponse r = cluster("m1").memberList(MemberListRequest.getDefaultInstance());
    assertThat(r.getHeader().getClusterId()).isNotZero();
    assertThat(r.getHeader().getMemberId()).isEqualTo(members.id("m1"));
    assertThat(r.getHeader().getRaftTerm()).isPositive();
    assertThat(r.getHeader().getRevision()).as("Cluster headers carry no revision").isZero();
  }

  @Test
  void aLearnerIsAddedJoinsIsPromotedAndEveryMemberAgrees() throws Exception {
    members = new Members(3, dir);
    put(members.awaitLeader(), "before/a", "1");
    Members.Node m4 = members.reserve("m4");
    String follower = members.follower();

    MemberAddResponse added =
        cluster(follower)
            .memberAdd(
                MemberAddRequest.newBuilder().addPeerURLs(m4.peerUrl()).setIsLearner(true).build());

    long id = added.getMember().getID();
    assertThat(added.getMember().getPeerURLsList()).containsExactly(m4.peerUrl());
    assertThat(added.getMember().getIsLearner()).isTrue();
    assertThat(added.getMembersList()).extracting(Member::getID).contains(id).hasSize(4);
    Member unstarted = list("m1").stream().filter(m -> m.getID() == id).findFirst().orElseThrow();
    assertThat(unstarted.getName()).as("not started yet").isEmpty();
    assertThat(unstarted.getClientURLsList()).isEmpty();

    SynodServer joined = members.join(m4);
    assertThat(joined.context().memberId()).isEqualTo(id);
    List<Member> four = awaitListedAlike(4, "m4");
    Member learner = four.stream().filter(m -> m.getID() == id).findFirst().orElseThrow();
    assertThat(learner.getName()).isEqualTo("m4");
    assertThat(learner.getIsLearner()).isTrue();
    Await.until(Members.LIMIT, "m4 caught up", () -> countSerializable("m4", "before/") == 1);
    assertError(
        () -> list("m4"), Status.Code.UNAVAILABLE, "etcdserver: rpc not supported for learner");
    assertError(
        () -> put("m4", "learner/write", "v"),
        Status.Code.UNAVAILABLE,
        "etcdserver: rpc not supported for learner");

    Await.until(
        Members.LIMIT,
        "the learner is promoted once in sync",
        () -> {
          try {
            promote(follower, id);
            return true;
          } catch (StatusRuntimeException notYet) {
            assertThat(notYet.getStatus().getDescription())
                .isEqualTo(ClusterError.LEARNER_NOT_READY.message());
            return false;
          }
        });
    Await.until(
        Members.LIMIT,
        "every member lists m4 as a voter (m4 too, once it knows it votes)",
        () ->
            members.servers.keySet().stream()
                .allMatch(
                    n ->
                        listOrNone(n).stream()
                            .anyMatch(m -> m.getID() == id && !m.getIsLearner())));
    put("m4", "after/b", "2");
    assertThat(countSerializable("m4", "after/")).isEqualTo(1);
  }

  @Test
  void membershipErrorsAreEtcds() throws Exception {
    members = new Members(3, dir);
    String leader = members.awaitLeader();
    Members.Node spare = members.reserve("spare");
    Members.Node other = members.reserve("other");

    assertError(
        () -> cluster(leader).memberRemove(MemberRemoveRequest.newBuilder().setID(42).build()),
        Status.Code.NOT_FOUND,
        "etcdserver: member not found");
    assertError(
        () ->
            cluster(leader)
                .memberAdd(
                    MemberAddRequest.newBuilder()
                        .addPeerURLs(members.nodes.get("m2").peerUrl())
                        .build()),
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: Peer URLs already exists");
    assertError(
        () ->
            cluster(leader)
                .memberAdd(MemberAddRequest.newBuilder().addPeerURLs("not a url").build()),
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: given member URLs are invalid");
    assertError(
        () ->
            cluster(leader)
                .memberUpdate(
                    MemberUpdateRequest.newBuilder()
                        .setID(42)
                        .addPeerURLs(spare.peerUrl())
                        .build()),
        Status.Code.NOT_FOUND,
        "etcdserver: member not found");
    assertError(() -> promote(leader, 42), Status.Code.NOT_FOUND, "etcdserver: member not found");
    assertError(
        () -> promote(leader, members.id("m2")),
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: can only promote a learner member");

    long learner =
        cluster(leader)
            .memberAdd(
                MemberAddRequest.newBuilder()
                    .addPeerURLs(spare.peerUrl())
                    .setIsLearner(true)
                    .build())
            .getMember()
            .getID();
    assertError(
        () -> promote(members.follower(), learner),
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: can only promote a learner member which is in sync with leader");
    assertError(
        () ->
            cluster(leader)
                .memberAdd(
                    MemberAddRequest.newBuilder()
                        .addPeerURLs(other.peerUrl())
                        .setIsLearner(true)
                        .build()),
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: too many learner members in cluster");
    assertError(
        () ->
            cluster(leader)
                .memberUpdate(
                    MemberUpdateRequest.newBuilder()
                        .setID(learner)
                        .addPeerURLs(members.nodes.get("m3").peerUrl())
                        .build()),
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: Peer URLs already exists");

    // Update the unstarted learner: its URLs change everywhere; it stays a learner.
    cluster(members.follower())
        .memberUpdate(
            MemberUpdateRequest.newBuilder().setID(learner).addPeerURLs(other.peerUrl()).build());
    Await.until(
        Members.LIMIT,
        "every member lists the new URLs",
        () ->
            members.servers.keySet().stream()
                .allMatch(
                    n ->
                        list(n).stream()
                            .anyMatch(
                                m ->
                                    m.getID() == learner
                                        && m.getIsLearner()
                                        && m.getPeerURLsList().equals(List.of(other.peerUrl())))));

    // Removing the never-started learner leaves three members; its id cannot come back.
    cluster(leader).memberRemove(MemberRemoveRequest.newBuilder().setID(learner).build());
    assertThat(list(leader)).hasSize(3);
    assertError(
        () -> cluster(leader).memberRemove(MemberRemoveRequest.newBuilder().setID(learner).build()),
        Status.Code.NOT_FOUND,
        "etcdserver: member not found");
  }

  @Test
  void strictReconfigurationChecksKeepAQuorumOfStartedVoters() throws Exception {
    members = new Members(3, dir);
    awaitListedAlike(3);
    String leader = members.awaitLeader();
    for (String name : List.of("a", "b")) {
      cluster(leader)
          .memberAdd(
              MemberAddRequest.newBuilder().addPeerURLs(members.reserve(name).peerUrl()).build());
    }

    // Six voters would need four started ones; three are.
    assertError(
        () ->
            cluster(leader)
                .memberAdd(
                    MemberAddRequest.newBuilder()
                        .addPeerURLs(members.reserve("c").peerUrl())
                        .build()),
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: re-configuration failed due to not enough started members");
    // Without a started voter, four voters would need three started ones; two are.
    assertError(
        () ->
            cluster(leader)
                .memberRemove(
                    MemberRemoveRequest.newBuilder().setID(members.id(members.follower())).build()),
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: re-configuration failed due to not enough started members");
    // A learner does not count: adding one is fine.
    cluster(leader)
        .memberAdd(
            MemberAddRequest.newBuilder()
                .addPeerURLs(members.nodes.get("c").peerUrl())
                .setIsLearner(true)
                .build());
    assertThat(list(leader)).hasSize(6);
  }

  @Test
  void aRemovedFollowerStopsAndTheOthersGoOn() throws Exception {
    members = new Members(3, dir);
    awaitListedAlike(3);
    String victim = members.follower();
    long id = members.id(victim);
    SynodServer removed = members.server(victim);
    String leader = members.awaitLeader();

    List<Member> left =
        cluster(leader)
            .memberRemove(MemberRemoveRequest.newBuilder().setID(id).build())
            .getMembersList();

    assertThat(left).extracting(Member::getID).doesNotContain(id).hasSize(2);
    String reason = removed.removal().get(30, TimeUnit.SECONDS);
    assertThat(reason).contains("was removed from the cluster");
    members.stop(victim);
    put(members.awaitLeader(), "after/removal", "v");
    awaitListedAlike(2);
  }

  @Test
  void removingTheLeaderHandsLeadershipOverAndTheLeaderStops() throws Exception {
    members = new Members(3, dir);
    awaitListedAlike(3);
    String leader = members.awaitLeader();
    long id = members.id(leader);
    SynodServer old = members.server(leader);

    cluster(members.follower()).memberRemove(MemberRemoveRequest.newBuilder().setID(id).build());

    old.removal().get(30, TimeUnit.SECONDS);
    members.stop(leader);
    String next = members.awaitLeader();
    assertThat(next).isNotEqualTo(leader);
    put(next, "after/leader-removal", "v");
    assertThat(awaitListedAlike(2)).extracting(Member::getID).doesNotContain(id);
  }

  @Test
  void aMemberJoiningAfterCompactionCatchesUpBySnapshot() throws Exception {
    members = new Members(3, dir, Members.defaults().withRetainEntries(5), "--snapshot-count=20");
    String leader = members.awaitLeader();
    for (int i = 0; i < 120; i++) {
      put(leader, "snap/" + i, "v" + i);
    }
    Members.Node m4 = members.reserve("m4");
    cluster(leader).memberAdd(MemberAddRequest.newBuilder().addPeerURLs(m4.peerUrl()).build());

    members.join(m4);

    Await.until(Members.LIMIT, "m4 caught up", () -> countSerializable("m4", "snap/") == 120);
    List<Member> four = awaitListedAlike(4);
    assertThat(four).extracting(Member::getName).contains("m4");
    assertThat(
            members
                .server("m4")
                .runner()
                .call(loop -> loop.node().status().firstIndex())
                .get(10, TimeUnit.SECONDS))
        .as("m4's log starts after a snapshot")
        .isGreaterThan(1);
  }

  @Test
  void aJoinedMemberRestartsFromItsDataDirAndFindsMembersAddedAfterIt() throws Exception {
    members = new Members(3, dir);
    String leader = members.awaitLeader();
    for (String name : List.of("m4", "m5")) {
      Members.Node node = members.reserve(name);
      cluster(members.awaitLeader())
          .memberAdd(MemberAddRequest.newBuilder().addPeerURLs(node.peerUrl()).build());
      members.join(node);
      awaitListedAlike(members.servers.size());
    }
    members.stop("m4");
    put(members.awaitLeader(), "while/m4/was/down", "v");

    members.restart("m4");

    Await.until(Members.LIMIT, "m4 caught up", () -> countSerializable("m4", "while/") == 1);
    // m4's flags never named m5 (added after it): it learned m5's URL from its log.
    members.stop(leader);
    members.awaitLeader();
    put(members.awaitLeader(), "after/restart", "v");
    Await.until(Members.LIMIT, "m4 follows on", () -> countSerializable("m4", "after/") == 1);
  }

  @Test
  void aMemberThatWasNotAddedCannotJoin() throws Exception {
    members = new Members(1, dir);
    Members.Node stranger = members.reserve("stranger");

    assertThatThrownBy(() -> members.join(stranger))
        .hasMessageContaining("no member has the peer URLs")
        .hasMessageContaining("member add");
  }

  static URI uri(String s) {
    return URI.create(s);
  }
}
