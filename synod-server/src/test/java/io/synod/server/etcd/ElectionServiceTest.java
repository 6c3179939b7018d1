package io.synod.server.etcd;

import static io.synod.server.etcd.KvServiceTest.assertError;
import static io.synod.server.etcd.KvServiceTest.bs;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.api.CampaignRequest;
import io.etcd.jetcd.api.CampaignResponse;
import io.etcd.jetcd.api.ElectionGrpc;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.LeaderKey;
import io.etcd.jetcd.api.LeaderRequest;
import io.etcd.jetcd.api.LeaderResponse;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.ProclaimRequest;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResignRequest;
import io.etcd.jetcd.election.NoLeaderException;
import io.etcd.jetcd.election.NotLeaderException;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.synod.server.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Election service (v3electionpb.Election) against a three-member cluster: campaign, leader,
 * proclaim, resign and observe with raw stubs (exact answers and errors), candidates in
 * create-revision order, cancelled campaigns, lease expiry, and jetcd's Election client. Each test
 * uses its own election names.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ElectionServiceTest {
  private static final Duration LIMIT = Duration.ofSeconds(30);

  @TempDir static Path dir;
  private EtcdCluster cluster;
  private final List<ElectionGrpc.ElectionFutureStub> futures = new ArrayList<>();
  private final List<ElectionGrpc.ElectionBlockingStub> blocking = new ArrayList<>();
  private final List<ElectionGrpc.ElectionStub> async = new ArrayList<>();
  private LeaseGrpc.LeaseBlockingStub leases;
  private KVGrpc.KVBlockingStub kv;

  @BeforeAll
  void start() throws Exception {
    cluster = new EtcdCluster(3, dir);
    for (int i = 0; i < 3; i++) {
      futures.add(ElectionGrpc.newFutureStub(cluster.channel(i)));
      blocking.add(
          ElectionGrpc.newBlockingStub(cluster.channel(i))
              .withDeadlineAfter(LIMIT.toSeconds(), TimeUnit.SECONDS));
      async.add(ElectionGrpc.newStub(cluster.channel(i)));
    }
    leases = LeaseGrpc.newBlockingStub(cluster.channel(cluster.follower()));
    kv = KVGrpc.newBlockingStub(cluster.channel(cluster.awaitLeader()));
  }

  @AfterAll
  void stop() {
    cluster.close();
  }

  private long grant() {
    return leases.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()).getID();
  }

  private KeyValue get(String key) {
    RangeResponse r = kv.range(RangeRequest.newBuilder().setKey(bs(key)).build());
    return r.getKvsCount() == 0 ? null : r.getKvs(0);
  }

  private static CampaignRequest campaignRequest(String name, long lease, String value) {
    return CampaignRequest.newBuilder()
        .setName(bs(name))
        .setLease(lease)
        .setValue(bs(value))
        .build();
  }

  private CampaignResponse campaign(int member, String name, long lease, String value) {
    return blocking.get(member).campaign(campaignRequest(name, lease, value));
  }

  private LeaderResponse leader(int member, String name) {
    return blocking.get(member).leader(LeaderRequest.newBuilder().setName(bs(name)).build());
  }

  private static String keyOf(String name, long lease) {
    return name + "/" + Long.toHexString(lease);
  }

  /** A raw Observe stream. */
  private static final class Observer implements StreamObserver<LeaderResponse> {
    final BlockingQueue<LeaderResponse> reports = new LinkedBlockingQueue<>();
    final Context.CancellableContext context = Context.current().withCancellation();
    volatile Throwable error;

    LeaderResponse next() throws InterruptedException {
      LeaderResponse r = reports.poll(LIMIT.toSeconds(), TimeUnit.SECONDS);
      if (r == null) {
        throw new AssertionError("no report within " + LIMIT + "; error " + error);
      }
      return r;
    }

    @Override
    public void onNext(LeaderResponse r) {
      reports.add(r);
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onCompleted() {}
  }

  private Observer observe(int member, String name) {
    Observer o = new Observer();
    o.context.run(
        () -> async.get(member).observe(LeaderRequest.newBuilder().setName(bs(name)).build(), o));
    return o;
  }

  @Test
  void campaignLeaderProclaimAndResignAsEtcd() {
    long lease = grant();
    CampaignResponse c = campaign(1, "e", lease, "v1");
    String key = keyOf("e", lease);
    KeyValue kv = get(key);
    assertThat(c.getLeader())
        .isEqualTo(
            LeaderKey.newBuilder()
                .setName(bs("e"))
                .setKey(bs(key))
                .setRev(kv.getCreateRevision())
                .setLease(lease)
                .build());
    assertThat(c.getHeader().getRevision()).isEqualTo(kv.getCreateRevision());
    assertThat(kv.getValue().toStringUtf8()).isEqualTo("v1");
    assertThat(kv.getLease()).isEqualTo(lease);

    LeaderResponse l = leader(2, "e");
    assertThat(l.getKv()).isEqualTo(kv);

    long proclaimed =
        blocking
            .get(0)
            .proclaim(
                ProclaimRequest.newBuilder().setLeader(c.getLeader()).setValue(bs("v2")).build())
            .getHeader()
            .getRevision();
    KeyValue after = get(key);
    assertThat(after.getValue().toStringUtf8()).isEqualTo("v2");
    assertThat(after.getModRevision()).isEqualTo(proclaimed);
    assertThat(after.getCreateRevision()).isEqualTo(kv.getCreateRevision());

    long resigned =
        blocking
            .get(2)
            .resign(ResignRequest.newBuilder().setLeader(c.getLeader()).build())
            .getHeader()
            .getRevision();
    assertThat(get(key)).isNull();
    assertThat(resigned).isGreaterThan(proclaimed);
    assertError(() -> leader(0, "e"), Status.Code.UNKNOWN, "election: no leader");
    // Proclaiming after resigning: not the leader any more.
    assertError(
        () ->
            blocking
                .get(1)
                .proclaim(
                    ProclaimRequest.newBuilder()
                        .setLeader(c.getLeader())
                        .setValue(bs("v3"))
                        .build()),
        Status.Code.UNKNOWN,
        "election: not leader");
    // Resigning twice is fine (the compare fails, nothing is deleted).
    assertThat(
            blocking
                .get(1)
                .resign(ResignRequest.newBuilder().setLeader(c.getLeader()).build())
                .getHeader()
                .getRevision())
        .isEqualTo(resigned);
  }

  @Test
  void missingLeaderFieldIsEtcdsError() {
    assertError(
        () -> blocking.get(0).proclaim(ProclaimRequest.getDefaultInstance()),
        Status.Code.UNKNOWN,
        "\"leader\" field must be provided");
    assertError(
        () -> blocking.get(0).resign(ResignRequest.getDefaultInstance()),
        Status.Code.UNKNOWN,
        "\"leader\" field must be provided");
    assertError(
        () -> campaign(1, "bad", 0x7777, "x"),
        Status.Code.UNKNOWN,
        "etcdserver: requested lease not found");
  }

  @Test
  void candidatesAreElectedInCreateRevisionOrder() throws Exception {
    long a = grant();
    long b = grant();
    long c = grant();
    CampaignResponse first = campaign(0, "q", a, "a");
    ListenableFuture<CampaignResponse> second =
        futures.get(1).campaign(campaignRequest("q", b, "b"));
    Await.until(LIMIT, "b is a candidate", () -> get(keyOf("q", b)) != null);
    ListenableFuture<CampaignResponse> third =
        futures.get(2).campaign(campaignRequest("q", c, "c"));
    Await.until(LIMIT, "c is a candidate", () -> get(keyOf("q", c)) != null);
    assertThat(second.isDone()).isFalse();
    assertThat(third.isDone()).isFalse();
    assertThat(leader(1, "q").getKv().getValue().toStringUtf8()).isEqualTo("a");

    blocking.get(0).resign(ResignRequest.newBuilder().setLeader(first.getLeader()).build());
    CampaignResponse elected = second.get(LIMIT.toSeconds(), TimeUnit.SECONDS);
    KeyValue kb = get(keyOf("q", b));
    assertThat(elected.getLeader().getRev()).isEqualTo(kb.getCreateRevision());
    // The header is the one of the campaign's own write, as etcd answers.
    assertThat(elected.getHeader().getRevision()).isEqualTo(kb.getCreateRevision());
    assertThat(third.isDone()).isFalse();
    assertThat(leader(2, "q").getKv().getValue().toStringUtf8()).isEqualTo("b");

    // The leader's lease ends: the next candidate is elected.
    leases.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(b).build());
    assertThat(third.get(LIMIT.toSeconds(), TimeUnit.SECONDS).getLeader().getKey())
        .isEqualTo(bs(keyOf("q", c)));
  }

  @Test
  void campaigningAgainWithAnotherValueProclaimsIt() {
    long lease = grant();
    CampaignResponse first = campaign(0, "again", lease, "one");
    CampaignResponse second = campaign(1, "again", lease, "two");
    assertThat(second.getLeader()).isEqualTo(first.getLeader());
    assertThat(get(keyOf("again", lease)).getValue().toStringUtf8()).isEqualTo("two");
  }

  @Test
  void aCancelledCampaignResignsAndACandidateWhoseLeaseEndsIsNotLeader() throws Exception {
    long a = grant();
    long b = grant();
    long c = grant();
    campaign(0, "cc", a, "a");
    ListenableFuture<CampaignResponse> cancelled =
        futures.get(2).campaign(campaignRequest("cc", b, "b"));
    Await.until(LIMIT, "b is a candidate", () -> get(keyOf("cc", b)) != null);
    cancelled.cancel(true);
    Await.until(LIMIT, "b resigned", () -> get(keyOf("cc", b)) == null);

    ListenableFuture<CampaignResponse> expiring =
        futures.get(1).campaign(campaignRequest("cc", c, "c"));
    Await.until(LIMIT, "c is a candidate", () -> get(keyOf("cc", c)) != null);
    leases.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(c).build());
    try {
      expiring.get(LIMIT.toSeconds(), TimeUnit.SECONDS);
      throw new AssertionError("c was elected without a key");
    } catch (ExecutionException e) {
      Status s = ((StatusRuntimeException) e.getCause()).getStatus();
      assertThat(s.getCode()).isEqualTo(Status.Code.UNKNOWN);
      assertThat(s.getDescription()).isEqualTo("election: not leader");
    }
    assertThat(leader(0, "cc").getKv().getKey()).isEqualTo(bs(keyOf("cc", a)));
  }

  @Test
  void observeReportsTheLeaderItsProclamationsAndItsSuccessors() throws Exception {
    Observer o = observe(2, "ob");
    long a = grant();
    long b = grant();
    CampaignResponse ca = campaign(0, "ob", a, "a1");
    LeaderResponse r1 = o.next();
    assertThat(r1.getKv()).isEqualTo(get(keyOf("ob", a)));
    assertThat(r1.getHeader().getRevision()).isEqualTo(ca.getLeader().getRev());

    ListenableFuture<CampaignResponse> cb = futures.get(1).campaign(campaignRequest("ob", b, "b1"));
    Await.until(LIMIT, "b is a candidate", () -> get(keyOf("ob", b)) != null);
    // A put on another candidate's key is no leader change.
    kv.put(
        PutRequest.newBuilder().setKey(bs(keyOf("ob", b))).setValue(bs("b2")).setLease(b).build());
    long p =
        blocking
            .get(0)
            .proclaim(
                ProclaimRequest.newBuilder().setLeader(ca.getLeader()).setValue(bs("a2")).build())
            .getHeader()
            .getRevision();
    LeaderResponse r2 = o.next();
    assertThat(r2.getKv().getValue().toStringUtf8()).isEqualTo("a2");
    assertThat(r2.getHeader().getRevision()).isEqualTo(p);

    long resigned =
        blocking
            .get(0)
            .resign(ResignRequest.newBuilder().setLeader(ca.getLeader()).build())
            .getHeader()
            .getRevision();
    LeaderResponse r3 = o.next();
    assertThat(r3.getKv()).isEqualTo(get(keyOf("ob", b)));
    assertThat(r3.getHeader().getRevision()).isEqualTo(resigned);
    cb.get(LIMIT.toSeconds(), TimeUnit.SECONDS);

    // A new observer starts with the current leader.
    Observer late = observe(0, "ob");
    assertThat(late.next().getKv().getValue().toStringUtf8()).isEqualTo("b2");
    late.context.cancel(null);
    o.context.cancel(null);
    assertThat(o.reports).isEmpty();
  }

  @Test
  void jetcdsElectionClientCampaignsObservesProclaimsAndResigns() throws Exception {
    Client c0 = cluster.client(0);
    Client c1 = cluster.client(1);
    Election e0 = c0.getElectionClient();
    Election e1 = c1.getElectionClient();
    ByteSequence name = ByteSequence.from("jetcd-e", StandardCharsets.UTF_8);
    BlockingQueue<String> seen = new LinkedBlockingQueue<>();
    e1.observe(
        name,
        new Election.Listener() {
          @Override
          public void onNext(io.etcd.jetcd.election.LeaderResponse r) {
            seen.add(r.getKv().getValue().toString(StandardCharsets.UTF_8));
          }

          @Override
          public void onError(Throwable t) {
            seen.add("error " + t);
          }

          @Override
          public void onCompleted() {}
        });
    try {
      e1.leader(name).get(30, TimeUnit.SECONDS);
      throw new AssertionError("a leader without candidates");
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(NoLeaderException.class);
    }
    long a = c0.getLeaseClient().grant(60).get(30, TimeUnit.SECONDS).getID();
    var leaderKey =
        e0.campaign(name, a, ByteSequence.from("x", StandardCharsets.UTF_8))
            .get(30, TimeUnit.SECONDS)
            .getLeader();
    assertThat(leaderKey.getLease()).isEqualTo(a);
    assertThat(seen.poll(30, TimeUnit.SECONDS)).isEqualTo("x");
    e0.proclaim(leaderKey, ByteSequence.from("y", StandardCharsets.UTF_8))
        .get(30, TimeUnit.SECONDS);
    assertThat(seen.poll(30, TimeUnit.SECONDS)).isEqualTo("y");
    assertThat(
            e1.leader(name)
                .get(30, TimeUnit.SECONDS)
                .getKv()
                .getValue()
                .toString(StandardCharsets.UTF_8))
        .isEqualTo("y");
    e0.resign(leaderKey).get(30, TimeUnit.SECONDS);
    try {
      e0.proclaim(leaderKey, ByteSequence.from("z", StandardCharsets.UTF_8))
          .get(30, TimeUnit.SECONDS);
      throw new AssertionError("proclaimed after resigning");
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(NotLeaderException.class);
    }
  }
}
