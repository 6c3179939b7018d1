package io.synod.server.etcd;

import static io.synod.server.etcd.KvServiceTest.assertError;
import static io.synod.server.etcd.KvServiceTest.bs;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DynamicMessage;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveResponse;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.synod.server.Await;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Lease service against a three-member cluster with a 1 s election timeout, so the minimum TTL
 * is etcd's default 2 s (etcd-api.md §4).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LeaseServiceTest {
  @TempDir static Path dir;
  private EtcdCluster cluster;
  private LeaseGrpc.LeaseBlockingStub leader;
  private LeaseGrpc.LeaseBlockingStub follower;
  private KVGrpc.KVBlockingStub kv;
  private int followerIndex;

  @BeforeAll
  void start() throws Exception {
    cluster = new EtcdCluster(3, dir, "--election-timeout=1000");
    int l = cluster.awaitLeader();
    followerIndex = cluster.follower();
    leader = LeaseGrpc.newBlockingStub(cluster.channel(l));
    follower = LeaseGrpc.newBlockingStub(cluster.channel(followerIndex));
    kv = KVGrpc.newBlockingStub(cluster.channel(followerIndex));
  }

  @AfterAll
  void stop() {
    cluster.close();
  }

  private LeaseGrantResponse grant(long ttl, long id) {
    return follower.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttl).setID(id).build());
  }

  private void put(String k, long lease) {
    kv.put(PutRequest.newBuilder().setKey(bs(k)).setValue(bs("v")).setLease(lease).build());
  }

  /** A raw keep-alive stream. */
  private static final class KeepAlives {
    final BlockingQueue<LeaseKeepAliveResponse> responses = new LinkedBlockingQueue<>();
    final StreamObserver<LeaseKeepAliveRequest> requests;

    KeepAlives(Channel channel) {
      requests =
          LeaseGrpc.newStub(channel)
              .leaseKeepAlive(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(LeaseKeepAliveResponse r) {
                      responses.add(r);
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                  });
    }

    LeaseKeepAliveResponse keepAlive(long id) throws InterruptedException {
      requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
      LeaseKeepAliveResponse r = responses.poll(20, TimeUnit.SECONDS);
      assertThat(r).as("keep-alive answer").isNotNull();
      return r;
    }
  }

  @Test
  void grantRaisesShortTtlsToTheMinimumAndChecksIds() {
    assertThat(grant(1, 0).getTTL()).isEqualTo(2);
    assertThat(grant(0, 0).getTTL()).isEqualTo(2);
    assertThat(grant(-5, 0).getTTL()).isEqualTo(2);
    LeaseGrantResponse g = grant(60, 0);
    assertThat(g.getID()).isPositive();
    assertThat(g.getTTL()).isEqualTo(60);
    assertThat(g.getHeader().getMemberId()).isNotZero();
    assertThat(grant(30, 4242).getID()).isEqualTo(4242);
    assertError(
        () -> grant(30, 4242), Status.Code.FAILED_PRECONDITION, "etcdserver: lease already exists");
    assertError(
        () -> grant(9_000_000_001L, 0),
        Status.Code.OUT_OF_RANGE,
        "etcdserver: too large lease TTL");
  }

  @Test
  void keepAliveAndTimeToLiveOnLeaderAndFollower() throws Exception {
    long id = grant(60, 0).getID();
    put("ka/a", id);
    put("ka/b", id);
    for (Channel ch :
        List.<Channel>of(cluster.channel(cluster.awaitLeader()), cluster.channel(followerIndex))) {
      KeepAlives k = new KeepAlives(ch);
      LeaseKeepAliveResponse r = k.keepAlive(id);
      assertThat(r.getID()).isEqualTo(id);
      assertThat(r.getTTL()).isEqualTo(60);
      assertThat(r.getHeader().getClusterId()).isNotZero();
      assertThat(k.keepAlive(987654321L).getTTL()).isZero(); // unknown: TTL 0, no error
      k.requests.onCompleted();
    }
    for (LeaseGrpc.LeaseBlockingStub stub : List.of(leader, follower)) {
      LeaseTimeToLiveResponse t =
          stub.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).setKeys(true).build());
      assertThat(t.getTTL()).isBetween(55L, 60L);
      assertThat(t.getGrantedTTL()).isEqualTo(60);
      assertThat(t.getKeysList()).containsExactlyInAnyOrder(bs("ka/a"), bs("ka/b"));
      LeaseTimeToLiveResponse unknown =
          stub.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(1234567L).build());
      assertThat(unknown.getTTL()).isEqualTo(-1);
      assertThat(unknown.getGrantedTTL()).isZero();
    }
  }

  @Test
  void expiryDeletesKeysWithDeleteEvents() throws Exception {
    long id = grant(2, 0).getID();
    put("exp/a", id);
    try (WatchClient w = new WatchClient(cluster.channel(followerIndex), false)) {
      w.create(WatchCreateRequest.newBuilder().setKey(bs("exp/a")));
      assertThat(w.next().getCreated()).isTrue();
      WatchResponse r = w.next(); // the leader's clock expires the lease after about 2 s
      assertThat(r.getEvents(0).getType()).isEqualTo(Event.EventType.DELETE);
    }
    assertThat(kv.range(RangeRequest.newBuilder().setKey(bs("exp/a")).build()).getKvsCount())
        .isZero();
    assertThat(
            follower
                .leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).build())
                .getTTL())
        .isEqualTo(-1);
    assertThat(new KeepAlives(cluster.channel(followerIndex)).keepAlive(id).getTTL()).isZero();
  }

  @Test
  void revokeDeletesKeysInOneRevision() throws Exception {
    long id = grant(60, 0).getID();
    put("rv/a", id);
    put("rv/b", id);
    try (WatchClient w = new WatchClient(cluster.channel(followerIndex), false)) {
      w.create(WatchCreateRequest.newBuilder().setKey(bs("rv/")).setRangeEnd(bs("rv0")));
      assertThat(w.next().getCreated()).isTrue();
      long rev =
          follower
              .leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build())
              .getHeader()
              .getRevision();
      WatchResponse r = w.next();
      assertThat(r.getHeader().getRevision()).isEqualTo(rev);
      assertThat(r.getEventsList())
          .extracting(Event::getType)
          .containsExactly(Event.EventType.DELETE, Event.EventType.DELETE);
    }
    assertError(
        () -> leader.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build()),
        Status.Code.NOT_FOUND,
        "etcdserver: requested lease not found");
  }

  @Test
  void leasesListsEveryLease() {
    long a = grant(60, 0).getID();
    long b = grant(60, 0).getID();
    DynamicMessage resp =
        ClientCalls.blockingUnaryCall(
            cluster.channel(followerIndex),
            LeaseService.LEASE_LEASES,
            io.grpc.CallOptions.DEFAULT,
            DynamicMessage.getDefaultInstance(EtcdSchema.LEASE_LEASES_REQUEST));
    var leasesField = EtcdSchema.LEASE_LEASES_RESPONSE.findFieldByName("leases");
    var idField = EtcdSchema.LEASE_STATUS.findFieldByName("ID");
    List<Long> ids =
        ((List<?>) resp.getField(leasesField))
            .stream().map(m -> (Long) ((DynamicMessage) m).getField(idField)).toList();
    // Linearizable writes through the follower: it applied both grants before answering them.
    assertThat(ids).contains(a, b);
    assertThat(resp.hasField(EtcdSchema.LEASE_LEASES_RESPONSE.findFieldByName("header"))).isTrue();
  }

  @Test
  void jetcdGrantKeepAliveRevoke() throws Exception {
    Client client = cluster.client(followerIndex);
    long id = client.getLeaseClient().grant(5).get(10, TimeUnit.SECONDS).getID();
    var once = client.getLeaseClient().keepAliveOnce(id).get(10, TimeUnit.SECONDS);
    assertThat(once.getTTL()).isEqualTo(5);
    var ttl =
        client
            .getLeaseClient()
            .timeToLive(id, io.etcd.jetcd.options.LeaseOption.DEFAULT)
            .get(10, TimeUnit.SECONDS);
    assertThat(ttl.getGrantedTTL()).isEqualTo(5);
    client.getLeaseClient().revoke(id).get(10, TimeUnit.SECONDS);
    Await.until(
        EtcdCluster.LIMIT,
        "revoked",
        () ->
            follower.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).build()).getTTL()
                == -1);
  }
}
