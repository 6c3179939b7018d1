package io.synod.server.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.AlarmMember;
import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmResponse;
import io.etcd.jetcd.api.AlarmType;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.DefragmentRequest;
import io.etcd.jetcd.api.DefragmentResponse;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.HashKVRequest;
import io.etcd.jetcd.api.HashKVResponse;
import io.etcd.jetcd.api.HashRequest;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.MoveLeaderRequest;
import io.etcd.jetcd.api.MoveLeaderResponse;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.SnapshotRequest;
import io.etcd.jetcd.api.SnapshotResponse;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.synod.common.Bytes;
import io.synod.server.Await;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Maintenance service beyond Status on in-process members: HashKV and Hash agree across
 * members, alarms and the backend quota refuse writes until space is freed and the alarm disarmed,
 * MoveLeader hands leadership over with etcd's errors, and a snapshot has etcd's stream layout and
 * restores into a new cluster with the same keys and HashKV.
 */
class MaintenanceAdminTest {
  @TempDir Path dir;
  private Members members;
  private Members restored;

  @AfterEach
  void stop() {
    if (restored != null) {
      restored.close();
    }
    if (members != null) {
      members.close();
    }
  }

  private MaintenanceGrpc.MaintenanceBlockingStub maintenance(Members m, String name) {
    return MaintenanceGrpc.newBlockingStub(m.channel(name)).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private KVGrpc.KVBlockingStub kv(Members m, String name) {
    return KVGrpc.newBlockingStub(m.channel(name)).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static PutRequest put(String k, String v) {
    return PutRequest.newBuilder().setKey(bs(k)).setValue(bs(v)).build();
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

  /** Waits until every member applied up to the leader's revision {@code rev}. */
  private void awaitRevision(Members m, long rev) {
    for (String name : m.servers.keySet()) {
      Await.until(
          Members.LIMIT,
          name + " at revision " + rev,
          () ->
              kv(m, name)
                      .range(
                          RangeRequest.newBuilder().setKey(bs("x")).setSerializable(true).build())
                      .getHeader()
                      .getRevision()
                  >= rev);
    }
  }

  @Test
  void hashKvAndHashAreEqualOnEveryMember() throws Exception {
    members = new Members(3, dir);
    String leader = members.awaitLeader();
    long rev = 0;
    for (int i = 0; i < 50; i++) {
      rev = kv(members, leader).put(put("h/" + (i % 7), "v" + i)).getHeader().getRevision();
    }
    kv(members, leader).compact(CompactionRequest.newBuilder().setRevision(rev - 20).build());
    long compactRev = rev - 20;
    awaitRevision(members, rev);

    HashKVResponse first = null;
    Long hash = null;
    for (String name : members.servers.keySet()) {
      HashKVResponse h =
          maintenance(members, name)
              .hashKV(HashKVRequest.newBuilder().setRevision(rev - 5).build());
      assertThat(h.getHeader().getMemberId()).isEqualTo(members.id(name));
      assertThat(h.getCompactRevision()).isEqualTo(compactRev);
      if (first != null) {
        assertThat(h.getHash()).isEqualTo(first.getHash());
      }
      first = h;
      long whole = maintenance(members, name).hash(HashRequest.getDefaultInstance()).getHash();
      if (hash != null) {
        assertThat(whole).isEqualTo(hash);
      }
      hash = whole;
    }
    assertThat(
            maintenance(members, leader)
                .hashKV(HashKVRequest.newBuilder().setRevision(rev).build())
                .getHash())
        .as("another revision, another hash")
        .isNotEqualTo(first.getHash());
    assertError(
        () ->
            maintenance(members, leader)
                .hashKV(HashKVRequest.newBuilder().setRevision(compactRev - 1).build()),
        Status.Code.OUT_OF_RANGE,
        "etcdserver: mvcc: required revision has been compacted");
  }

  @Test
  void aRaisedNoSpaceAlarmRefusesWritesOnEveryMemberUntilDisarmed() throws Exception {
    members = new Members(3, dir);
    String leader = members.awaitLeader();
    String follower = members.follower();
    kv(members, leader).put(put("a/1", "v"));
    long id = members.id(follower);

    AlarmResponse raised =
        maintenance(members, follower)
            .alarm(
                AlarmRequest.newBuilder()
                    .setAction(AlarmRequest.AlarmAction.ACTIVATE)
                    .setMemberID(id)
                    .setAlarm(AlarmType.NOSPACE)
                    .build());

    AlarmMember expected =
        AlarmMember.newBuilder().setMemberID(id).setAlarm(AlarmType.NOSPACE).build();
    assertThat(raised.getAlarmsList()).containsExactly(expected);
    assertThat(raised.hasHeader()).as("no header in 3.4").isFalse();
    for (String name : members.servers.keySet()) {
      assertThat(
              maintenance(members, name).alarm(AlarmRequest.getDefaultInstance()).getAlarmsList())
          .containsExactly(expected);
      Await.until(
          Members.LIMIT,
          name + " refuses puts",
          () -> {
            try {
              kv(members, name).put(put("a/2", "v"));
              return false;
            } catch (StatusRuntimeException e) {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo("etcdserver: mvcc: database space exceeded");
              return true;
            }
          });
      StatusResponse st = maintenance(members, name).status(StatusRequest.getDefaultInstance());
      assertThat(
              st.getUnknownFields()
                  .getField(MaintenanceService.STATUS_ERRORS)
                  .getLengthDelimitedList())
          .extracting(ByteString::toStringUtf8)
          .containsExactly("memberID:" + Long.toUnsignedString(id) + " alarm:NOSPACE ");
    }
    assertError(
        () ->
            LeaseGrpc.newBlockingStub(members.channel(leader))
                .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(10).build()),
        Status.Code.RESOURCE_EXHAUSTED,
        "etcdserver: mvcc: database space exceeded");
    // Deletes free space and still go through.
    assertThat(
            kv(members, leader)
                .deleteRange(DeleteRangeRequest.newBuilder().setKey(bs("a/1")).build())
                .getDeleted())
        .isEqualTo(1);

    AlarmResponse disarmed =
        maintenance(members, leader)
            .alarm(
                AlarmRequest.newBuilder()
                    .setAction(AlarmRequest.AlarmAction.DEACTIVATE)
                    .setMemberID(id)
                    .setAlarm(AlarmType.NOSPACE)
                    .build());

    assertThat(disarmed.getAlarmsList()).containsExactly(expected);
    for (String name : members.servers.keySet()) {
      Await.until(
          Members.LIMIT,
          name + " takes puts again",
          () -> {
            try {
              kv(members, name).put(put("a/3", "v"));
              return true;
            } catch (StatusRuntimeException e) {
              return false;
            }
          });
    }
    assertThat(
            maintenance(members, leader).alarm(AlarmRequest.getDefaultInstance()).getAlarmsCount())
        .isZero();
  }

  @Test
  void theQuotaRaisesNoSpaceAndCompactionDefragAndDisarmFreeIt() throws Exception {
    members = new Members(1, dir, "--quota-backend-bytes=200000");
    String only = members.awaitLeader();
    String big = "x".repeat(10_000);
    long rev = 0;
    StatusRuntimeException refused = null;
    for (int i = 0; i < 100 && refused == null; i++) {
      try {
        rev = kv(members, only).put(put("big", big + i)).getHeader().getRevision();
      } catch (StatusRuntimeException e) {
        refused = e;
      }
    }
    assertThat(refused).as("the quota refused a put").isNotNull();
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(refused.getStatus().getDescription())
        .isEqualTo("etcdserver: mvcc: database space exceeded");
    AlarmMember noSpace =
        AlarmMember.newBuilder().setMemberID(members.id(only)).setAlarm(AlarmType.NOSPACE).build();
    Await.until(
        Members.LIMIT,
        "the NOSPACE alarm is raised",
        () ->
            maintenance(members, only)
                .alarm(AlarmRequest.getDefaultInstance())
                .getAlarmsList()
                .equals(List.of(noSpace)));

    kv(members, only).compact(CompactionRequest.newBuilder().setRevision(rev).build());
    DefragmentResponse d =
        maintenance(members, only).defragment(DefragmentRequest.getDefaultInstance());
    assertThat(d.hasHeader()).isFalse();
    maintenance(members, only)
        .alarm(
            AlarmRequest.newBuilder()
                .setAction(AlarmRequest.AlarmAction.DEACTIVATE)
                .setMemberID(members.id(only))
                .setAlarm(AlarmType.NOSPACE)
                .build());

    PutResponse again = kv(members, only).put(put("big", big));
    assertThat(again.getHeader().getRevision()).isGreaterThan(rev);
  }

  @Test
  void moveLeaderHandsLeadershipToTheTargetWithEtcdsErrors() throws Exception {
    members = new Members(3, dir);
    String leader = members.awaitLeader();
    String follower = members.follower();
    long target = members.id(follower);

    assertError(
        () ->
            maintenance(members, follower)
                .moveLeader(MoveLeaderRequest.newBuilder().setTargetID(target).build()),
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: not leader");
    assertError(
        () ->
            maintenance(members, leader)
                .moveLeader(MoveLeaderRequest.newBuilder().setTargetID(42).build()),
        Status.Code.FAILED_PRECONDITION,
        "etcdserver: bad leader transferee");
    assertThat(
            maintenance(members, leader)
                .moveLeader(MoveLeaderRequest.newBuilder().setTargetID(members.id(leader)).build()))
        .isEqualTo(MoveLeaderResponse.getDefaultInstance());

    MoveLeaderResponse moved =
        maintenance(members, leader)
            .moveLeader(MoveLeaderRequest.newBuilder().setTargetID(target).build());

    assertThat(moved.hasHeader()).isFalse();
    assertThat(members.server(leader).runner().status().leaderId()).isEqualTo(target);
    assertThat(members.awaitLeader()).isEqualTo(follower);
    kv(members, follower).put(put("after/move", "v"));
  }

  @Test
  void aSnapshotHasEtcdsLayoutAndRestoresIntoANewClusterWithTheSameKeys() throws Exception {
    members = new Members(3, dir.resolve("old"));
    String leader = members.awaitLeader();
    long rev = 0;
    for (int i = 0; i < 200; i++) {
      rev = kv(members, leader).put(put("s/" + i, "value-" + i)).getHeader().getRevision();
    }
    kv(members, leader).deleteRange(DeleteRangeRequest.newBuilder().setKey(bs("s/7")).build());
    rev++;
    awaitRevision(members, rev);
    String from = members.follower();
    long hash = maintenance(members, from).hashKV(HashKVRequest.getDefaultInstance()).getHash();

    ByteArrayOutputStream file = new ByteArrayOutputStream();
    Iterator<SnapshotResponse> stream =
        maintenance(members, from).snapshot(SnapshotRequest.getDefaultInstance());
    long previousRemaining = Long.MAX_VALUE;
    int messages = 0;
    while (stream.hasNext()) {
      SnapshotResponse r = stream.next();
      messages++;
      assertThat(r.hasHeader()).isFalse();
      assertThat(r.getRemainingBytes()).isLessThanOrEqualTo(previousRemaining);
      previousRemaining = r.getRemainingBytes();
      r.getBlob().writeTo(file);
    }
    byte[] bytes = file.toByteArray();
    assertThat(messages).isGreaterThanOrEqualTo(2);
    assertThat(bytes.length % 512).as("etcdctl's hasChecksum").isEqualTo(32);
    byte[] digest =
        MessageDigest.getInstance("SHA-256").digest(Arrays.copyOf(bytes, bytes.length - 32));
    assertThat(Arrays.copyOfRange(bytes, bytes.length - 32, bytes.length)).isEqualTo(digest);
    SnapshotFile decoded = SnapshotFile.decode(Bytes.wrapOwned(bytes));
    assertThat(decoded.revision()).isEqualTo(rev);
    assertThat(decoded.memberId()).isEqualTo(members.id(from));
    Path saved = dir.resolve("snapshot.db");
    Files.write(saved, bytes);

    restored = new Members(0, dir.resolve("new"));
    for (String name : List.of("r1", "r2", "r3")) {
      restored.reserve(name);
    }
    for (String name : List.of("r1", "r2", "r3")) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code =
          SnapshotRestore.run(
              new String[] {
                "restore",
                saved.toString(),
                "--data-dir=" + restored.dataDir(name),
                "--name=" + name,
                "--initial-cluster=" + restored.initialCluster(),
                "--initial-cluster-token=test-cluster",
                "--initial-advertise-peer-urls=" + restored.nodes.get(name).peerUrl()
              },
              new PrintWriter(out, true),
              new PrintWriter(err, true));
      assertThat(code).as(err.toString()).isZero();
      assertThat(out.toString()).contains("restored snapshot");
    }
    for (String name : List.of("r1", "r2", "r3")) {
      restored.start(restored.nodes.get(name), restored.initialCluster(), "new");
    }
    String newLeader = restored.awaitLeader();

    assertThat(members.server(from).context().clusterId())
        .as("a new cluster")
        .isNotEqualTo(restored.server(newLeader).context().clusterId());
    RangeResponse all =
        kv(restored, newLeader)
            .range(RangeRequest.newBuilder().setKey(bs("s/")).setRangeEnd(bs("s0")).build());
    assertThat(all.getCount()).isEqualTo(199);
    assertThat(all.getHeader().getRevision()).isEqualTo(rev);
    for (String name : restored.servers.keySet()) {
      assertThat(maintenance(restored, name).hashKV(HashKVRequest.getDefaultInstance()).getHash())
          .isEqualTo(hash);
    }
    kv(restored, newLeader).put(put("s/new", "v"));
    assertThat(restored.server(newLeader).context().memberId()).isNotZero();
  }

  @Test
  void restoreRefusesADamagedFileAndAnExistingDataDir() throws Exception {
    Path file = dir.resolve("bad.db");
    byte[] bytes = new SnapshotFile(1, 2, 3, 1, 5, Bytes.EMPTY).encode().toByteArray();
    bytes[100] ^= 1;
    Files.write(file, bytes);
    StringWriter err = new StringWriter();

    int code =
        SnapshotRestore.run(
            new String[] {"restore", file.toString(), "--data-dir=" + dir.resolve("d")},
            new PrintWriter(new StringWriter()),
            new PrintWriter(err, true));

    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).contains("checksum mismatch");
    Files.createDirectories(dir.resolve("full"));
    Files.writeString(dir.resolve("full").resolve("x"), "x");
    Files.write(file, new SnapshotFile(1, 2, 3, 1, 1, Bytes.EMPTY).encode().toByteArray());
    err = new StringWriter();
    code =
        SnapshotRestore.run(
            new String[] {"restore", file.toString(), "--data-dir=" + dir.resolve("full")},
            new PrintWriter(new StringWriter()),
            new PrintWriter(err, true));
    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).contains("exists and is not empty");
  }
}
