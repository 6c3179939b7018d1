package io.synod.server.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The KV service against a three-member cluster: raw gRPC stubs for exact headers and errors, jetcd
 * for what its users do. Each test works under its own key prefix, so they share a cluster.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KvServiceTest {
  @TempDir static Path dir;
  private EtcdCluster cluster;
  private KVGrpc.KVBlockingStub leader;
  private KVGrpc.KVBlockingStub follower;
  private int followerIndex;

  @BeforeAll
  void start() throws Exception {
    cluster = new EtcdCluster(3, dir);
    int l = cluster.awaitLeader();
    followerIndex = cluster.follower();
    leader = KVGrpc.newBlockingStub(cluster.channel(l)).withDeadlineAfter(1, TimeUnit.HOURS);
    follower = KVGrpc.newBlockingStub(cluster.channel(followerIndex));
  }

  @AfterAll
  void stop() {
    cluster.close();
  }

  static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private PutResponse put(String k, String v) {
    return leader.put(PutRequest.newBuilder().setKey(bs(k)).setValue(bs(v)).build());
  }

  private RangeResponse range(RangeRequest.Builder r) {
    return leader.range(r.build());
  }

  private static List<String> keys(RangeResponse r) {
    return r.getKvsList().stream().map(kv -> kv.getKey().toStringUtf8()).toList();
  }

  static void assertError(Runnable call, Status.Code code, String message) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).isEqualTo(message);
            });
  }

  @Test
  void headersCarryClusterMemberRevisionAndTerm() {
    PutResponse p = put("h/a", "1");
    ResponseHeader h = p.getHeader();
    assertThat(h.getClusterId()).isNotZero();
    assertThat(h.getMemberId())
        .isEqualTo(cluster.servers[cluster.awaitLeader()].context().memberId());
    assertThat(h.getRaftTerm()).isGreaterThanOrEqualTo(1);
    RangeResponse r = range(RangeRequest.newBuilder().setKey(bs("h/a")));
    assertThat(r.getHeader().getRevision()).isEqualTo(h.getRevision());
    assertThat(r.getHeader().getClusterId()).isEqualTo(h.getClusterId());
    // A put of the same value advances the revision by exactly one.
    assertThat(put("h/a", "1").getHeader().getRevision()).isEqualTo(h.getRevision() + 1);
    // A delete that deletes nothing does not.
    long rev = range(RangeRequest.newBuilder().setKey(bs("h/a"))).getHeader().getRevision();
    DeleteRangeResponse d =
        leader.deleteRange(DeleteRangeRequest.newBuilder().setKey(bs("h/none")).build());
    assertThat(d.getDeleted()).isZero();
    assertThat(d.getHeader().getRevision()).isEqualTo(rev);
  }

  @Test
  void rangeOptions() {
    put("r/a", "3");
    put("r/b", "1");
    put("r/c", "2");
    put("r/b", "11");
    put("r0", "x");
    RangeRequest.Builder prefix = RangeRequest.newBuilder().setKey(bs("r/")).setRangeEnd(bs("r0"));
    assertThat(keys(range(prefix.clone()))).containsExactly("r/a", "r/b", "r/c");
    RangeResponse limited = range(prefix.clone().setLimit(2));
    assertThat(keys(limited)).containsExactly("r/a", "r/b");
    assertThat(limited.getMore()).isTrue();
    assertThat(limited.getCount()).isEqualTo(3);
    assertThat(keys(range(prefix.clone().setSortOrder(RangeRequest.SortOrder.DESCEND))))
        .containsExactly("r/c", "r/b", "r/a");
    // NONE with a non-key target sorts ascending.
    assertThat(keys(range(prefix.clone().setSortTarget(RangeRequest.SortTarget.VALUE))))
        .containsExactly("r/b", "r/c", "r/a");
    assertThat(
            keys(
                range(
                    prefix
                        .clone()
                        .setSortTarget(RangeRequest.SortTarget.VERSION)
                        .setSortOrder(RangeRequest.SortOrder.DESCEND)
                        .setLimit(1))))
        .containsExactly("r/b");
    RangeResponse keysOnly = range(prefix.clone().setKeysOnly(true));
    assertThat(keysOnly.getKvs(0).getValue()).isEmpty();
    RangeResponse countOnly = range(prefix.clone().setCountOnly(true));
    assertThat(countOnly.getKvsList()).isEmpty();
    assertThat(countOnly.getCount()).isEqualTo(3);
    long bMod = range(RangeRequest.newBuilder().setKey(bs("r/b"))).getKvs(0).getModRevision();
    RangeResponse filtered = range(prefix.clone().setMinModRevision(bMod));
    assertThat(keys(filtered)).containsExactly("r/b");
    assertThat(filtered.getCount()).isEqualTo(3); // count ignores the filters
    long cCreate = range(RangeRequest.newBuilder().setKey(bs("r/c"))).getKvs(0).getCreateRevision();
    assertThat(keys(range(prefix.clone().setMaxCreateRevision(cCreate - 1))))
        .containsExactly("r/a", "r/b");
    // From key: "\0" range end.
    assertThat(keys(range(RangeRequest.newBuilder().setKey(bs("r/c")).setRangeEnd(bs("\0")))))
        .startsWith("r/c", "r0");
    // Reversed range: nothing, no error.
    assertThat(
            range(RangeRequest.newBuilder().setKey(bs("r/c")).setRangeEnd(bs("r/a"))).getKvsCount())
        .isZero();
    // Historical read: the value before the second put of r/b; header revision stays current.
    RangeResponse old = range(RangeRequest.newBuilder().setKey(bs("r/b")).setRevision(bMod - 1));
    assertThat(old.getKvs(0).getValue().toStringUtf8()).isEqualTo("1");
    assertThat(old.getHeader().getRevision()).isGreaterThan(bMod);
    KeyValue b = range(RangeRequest.newBuilder().setKey(bs("r/b"))).getKvs(0);
    assertThat(b.getVersion()).isEqualTo(2);
    assertThat(b.getModRevision()).isGreaterThan(b.getCreateRevision());
    assertError(
        () -> range(RangeRequest.newBuilder().setKey(bs("r/b")).setRevision(1_000_000)),
        Status.Code.OUT_OF_RANGE,
        "etcdserver: mvcc: required revision is a future revision");
    assertError(
        () -> range(RangeRequest.newBuilder()),
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: key is not provided");
  }

  @Test
  void putOptionsAndErrors() {
    put("p/a", "1");
    PutResponse second =
        leader.put(
            PutRequest.newBuilder().setKey(bs("p/a")).setValue(bs("2")).setPrevKv(true).build());
    assertThat(second.getPrevKv().getValue().toStringUtf8()).isEqualTo("1");
    PutResponse ignored =
        leader.put(PutRequest.newBuilder().setKey(bs("p/a")).setIgnoreValue(true).build());
    assertThat(ignored.hasPrevKv()).isFalse();
    assertThat(
            range(RangeRequest.newBuilder().setKey(bs("p/a"))).getKvs(0).getValue().toStringUtf8())
        .isEqualTo("2");
    assertError(
        () -> leader.put(PutRequest.newBuilder().setValue(bs("x")).build()),
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: key is not provided");
    assertError(
        () ->
            leader.put(
                PutRequest.newBuilder()
                    .setKey(bs("p/a"))
                    .setValue(bs("x"))
                    .setIgnoreValue(true)
                    .build()),
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: value is provided");
    assertError(
        () ->
            leader.put(
                PutRequest.newBuilder().setKey(bs("p/a")).setLease(5).setIgnoreLease(true).build()),
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: lease is provided");
    assertError(
        () -> leader.put(PutRequest.newBuilder().setKey(bs("p/none")).setIgnoreValue(true).build()),
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: key not found");
    assertError(
        () -> leader.put(PutRequest.newBuilder().setKey(bs("p/a")).setLease(12345).build()),
        Status.Code.NOT_FOUND,
        "etcdserver: requested lease not found");
  }

  @Test
  void requestTooLarge() {
    ByteString big = ByteString.copyFrom(new byte[1_600_000]);
    assertError(
        () -> leader.put(PutRequest.newBuilder().setKey(bs("big")).setValue(big).build()),
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: request is too large");
  }

  @Test
  void deleteRangeInOneRevisionWithPrevKvsInKeyOrder() {
    put("d/b", "2");
    put("d/a", "1");
    long before = put("d/c", "3").getHeader().getRevision();
    DeleteRangeResponse d =
        leader.deleteRange(
            DeleteRangeRequest.newBuilder()
                .setKey(bs("d/"))
                .setRangeEnd(bs("d0"))
                .setPrevKv(true)
                .build());
    assertThat(d.getDeleted()).isEqualTo(3);
    assertThat(d.getHeader().getRevision()).isEqualTo(before + 1);
    assertThat(d.getPrevKvsList().stream().map(kv -> kv.getKey().toStringUtf8()))
        .containsExactly("d/a", "d/b", "d/c");
  }

  private static RequestOp putOp(String k, String v) {
    return RequestOp.newBuilder()
        .setRequestPut(PutRequest.newBuilder().setKey(bs(k)).setValue(bs(v)))
        .build();
  }

  private static RequestOp getOp(String k) {
    return RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(bs(k))).build();
  }

  @Test
  void txnComparesNestingAndHeaders() {
    long rev = put("t/a", "1").getHeader().getRevision();
    Compare versionIs1 =
        Compare.newBuilder()
            .setKey(bs("t/a"))
            .setTarget(Compare.CompareTarget.VERSION)
            .setResult(Compare.CompareResult.EQUAL)
            .setVersion(1)
            .build();
    Compare valueOfMissing =
        Compare.newBuilder()
            .setKey(bs("t/missing"))
            .setTarget(Compare.CompareTarget.VALUE)
            .setResult(Compare.CompareResult.NOT_EQUAL)
            .setValue(bs("x"))
            .build();
    TxnRequest nested =
        TxnRequest.newBuilder().addCompare(valueOfMissing).addFailure(putOp("t/c", "3")).build();
    TxnResponse t =
        leader.txn(
            TxnRequest.newBuilder()
                .addCompare(versionIs1)
                .addSuccess(putOp("t/a", "2"))
                .addSuccess(putOp("t/b", "2"))
                .addSuccess(getOp("t/a"))
                .addSuccess(RequestOp.newBuilder().setRequestTxn(nested))
                .addFailure(getOp("t/a"))
                .build());
    assertThat(t.getSucceeded()).isTrue();
    assertThat(t.getHeader().getRevision()).isEqualTo(rev + 1);
    assertThat(t.getHeader().getMemberId()).isNotZero();
    // Nested responses carry only their revision; a nested txn an empty header.
    ResponseHeader putHeader = t.getResponses(0).getResponsePut().getHeader();
    assertThat(putHeader).isEqualTo(ResponseHeader.newBuilder().setRevision(rev + 1).build());
    RangeResponse inner = t.getResponses(2).getResponseRange();
    assertThat(inner.getKvs(0).getValue().toStringUtf8()).isEqualTo("2");
    assertThat(inner.getHeader().getMemberId()).isZero();
    TxnResponse nestedResponse = t.getResponses(3).getResponseTxn();
    assertThat(nestedResponse.hasHeader()).isTrue();
    assertThat(nestedResponse.getHeader()).isEqualTo(ResponseHeader.getDefaultInstance());
    assertThat(nestedResponse.getSucceeded()).isFalse(); // VALUE on a missing key is false
    // Every write of the txn shares one revision.
    RangeResponse all = range(RangeRequest.newBuilder().setKey(bs("t/")).setRangeEnd(bs("t0")));
    assertThat(all.getKvsList()).extracting(KeyValue::getModRevision).containsOnly(rev + 1);
    // A read-only txn is served like a read: no new revision.
    TxnResponse ro =
        leader.txn(TxnRequest.newBuilder().addCompare(versionIs1).addFailure(getOp("t/b")).build());
    assertThat(ro.getSucceeded()).isFalse();
    assertThat(ro.getHeader().getRevision()).isEqualTo(rev + 1);
    assertThat(ro.getResponses(0).getResponseRange().getKvs(0).getValue().toStringUtf8())
        .isEqualTo("2");
    // Same through a follower (linearizable read there).
    TxnResponse roFollower = follower.txn(TxnRequest.newBuilder().addSuccess(getOp("t/c")).build());
    assertThat(roFollower.getResponses(0).getResponseRange().getKvs(0).getValue().toStringUtf8())
        .isEqualTo("3");
  }

  @Test
  void txnErrors() {
    TxnRequest.Builder ok = TxnRequest.newBuilder();
    TxnRequest.Builder tooMany = TxnRequest.newBuilder();
    for (int i = 0; i < 129; i++) {
      if (i < 128) {
        ok.addSuccess(putOp("te/" + i, "v"));
      }
      tooMany.addSuccess(putOp("te/" + i, "v"));
    }
    assertThat(leader.txn(ok.build()).getSucceeded()).isTrue();
    assertError(
        () -> leader.txn(tooMany.build()),
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: too many operations in txn request");
    assertError(
        () ->
            leader.txn(
                TxnRequest.newBuilder()
                    .addSuccess(putOp("te/x", "1"))
                    .addSuccess(putOp("te/x", "2"))
                    .build()),
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: duplicate key given in txn request");
    assertError(
        () ->
            leader.txn(
                TxnRequest.newBuilder()
                    .addSuccess(
                        RequestOp.newBuilder()
                            .setRequestPut(
                                PutRequest.newBuilder()
                                    .setKey(bs("te/y"))
                                    .setValue(bs("v"))
                                    .setLease(777)))
                    .build()),
        Status.Code.NOT_FOUND,
        "etcdserver: requested lease not found");
  }

  @Test
  void compactionAndReadsAroundIt() {
    long r1 = put("c/a", "1").getHeader().getRevision();
    long r2 = put("c/a", "2").getHeader().getRevision();
    put("c/a", "3");
    leader.compact(CompactionRequest.newBuilder().setRevision(r2).setPhysical(true).build());
    assertThat(
            range(RangeRequest.newBuilder().setKey(bs("c/a")).setRevision(r2))
                .getKvs(0)
                .getValue()
                .toStringUtf8())
        .isEqualTo("2");
    assertError(
        () -> range(RangeRequest.newBuilder().setKey(bs("c/a")).setRevision(r1)),
        Status.Code.OUT_OF_RANGE,
        "etcdserver: mvcc: required revision has been compacted");
    assertError(
        () -> leader.compact(CompactionRequest.newBuilder().setRevision(r2).build()),
        Status.Code.OUT_OF_RANGE,
        "etcdserver: mvcc: required revision has been compacted");
    assertError(
        () -> leader.compact(CompactionRequest.newBuilder().setRevision(1_000_000).build()),
        Status.Code.OUT_OF_RANGE,
        "etcdserver: mvcc: required revision is a future revision");
    assertThat(
            range(RangeRequest.newBuilder().setKey(bs("c/a"))).getKvs(0).getValue().toStringUtf8())
        .isEqualTo("3");
  }

  @Test
  void followerForwardsWritesAndServesLinearizableAndSerializableReads() {
    PutResponse p =
        follower.put(PutRequest.newBuilder().setKey(bs("f/a")).setValue(bs("v")).build());
    assertThat(p.getHeader().getMemberId())
        .isEqualTo(cluster.servers[followerIndex].context().memberId());
    RangeResponse r = follower.range(RangeRequest.newBuilder().setKey(bs("f/a")).build());
    assertThat(r.getKvs(0).getValue().toStringUtf8()).isEqualTo("v");
    assertThat(r.getHeader().getRevision()).isGreaterThanOrEqualTo(p.getHeader().getRevision());
    // A write at the leader is seen by a linearizable read at the follower at once.
    long rev = put("f/b", "w").getHeader().getRevision();
    RangeResponse fr = follower.range(RangeRequest.newBuilder().setKey(bs("f/b")).build());
    assertThat(fr.getKvs(0).getValue().toStringUtf8()).isEqualTo("w");
    assertThat(fr.getHeader().getRevision()).isGreaterThanOrEqualTo(rev);
    RangeResponse ser =
        follower.range(RangeRequest.newBuilder().setKey(bs("f/b")).setSerializable(true).build());
    assertThat(ser.getHeader().getRevision()).isLessThanOrEqualTo(fr.getHeader().getRevision());
  }

  @Test
  void jetcdClientWorks() throws Exception {
    Client client = cluster.client(followerIndex);
    ByteSequence prefix = ByteSequence.from("j/", StandardCharsets.UTF_8);
    for (int i = 0; i < 5; i++) {
      client
          .getKVClient()
          .put(
              ByteSequence.from("j/" + i, StandardCharsets.UTF_8),
              ByteSequence.from("v" + i, StandardCharsets.UTF_8),
              PutOption.DEFAULT)
          .get(10, TimeUnit.SECONDS);
    }
    var got =
        client
            .getKVClient()
            .get(prefix, GetOption.builder().isPrefix(true).withLimit(2).build())
            .get(10, TimeUnit.SECONDS);
    assertThat(got.getKvs()).hasSize(2);
    assertThat(got.isMore()).isTrue();
    assertThat(got.getCount()).isEqualTo(5);
    var txn =
        client
            .getKVClient()
            .txn()
            .If(
                new Cmp(
                    ByteSequence.from("j/0", StandardCharsets.UTF_8),
                    Cmp.Op.EQUAL,
                    CmpTarget.value(ByteSequence.from("v0", StandardCharsets.UTF_8))))
            .Then(
                Op.put(
                    ByteSequence.from("j/0", StandardCharsets.UTF_8),
                    ByteSequence.from("changed", StandardCharsets.UTF_8),
                    PutOption.DEFAULT))
            .commit()
            .get(10, TimeUnit.SECONDS);
    assertThat(txn.isSucceeded()).isTrue();
    var deleted =
        client
            .getKVClient()
            .delete(prefix, io.etcd.jetcd.options.DeleteOption.builder().isPrefix(true).build())
            .get(10, TimeUnit.SECONDS);
    assertThat(deleted.getDeleted()).isEqualTo(5);
  }
}
