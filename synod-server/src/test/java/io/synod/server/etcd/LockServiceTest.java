package io.synod.server.etcd;

import static io.synod.server.etcd.KvServiceTest.assertError;
import static io.synod.server.etcd.KvServiceTest.bs;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.lock.LockGrpc;
import io.etcd.jetcd.api.lock.LockRequest;
import io.etcd.jetcd.api.lock.LockResponse;
import io.etcd.jetcd.api.lock.UnlockRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.synod.server.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Lock service (v3lockpb.Lock) against a three-member cluster: keys, re-entry per lease,
 * waiters in create-revision order on leader and followers, fencing tokens, lease expiry of a
 * holder and of a waiter, cancelled waits, etcd's errors, and jetcd's Lock client. Each test uses
 * its own lock names.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LockServiceTest {
  private static final Duration LIMIT = Duration.ofSeconds(30);

  @TempDir static Path dir;
  private EtcdCluster cluster;
  private final List<LockGrpc.LockFutureStub> locks = new ArrayList<>();
  private final List<LockGrpc.LockBlockingStub> blocking = new ArrayList<>();
  private LeaseGrpc.LeaseBlockingStub leases;
  private KVGrpc.KVBlockingStub kv;

  @BeforeAll
  void start() throws Exception {
    cluster = new EtcdCluster(3, dir);
    for (int i = 0; i < 3; i++) {
      locks.add(LockGrpc.newFutureStub(cluster.channel(i)));
      blocking.add(LockGrpc.newBlockingStub(cluster.channel(i)));
    }
    leases = LeaseGrpc.newBlockingStub(cluster.channel(cluster.follower()));
    kv = KVGrpc.newBlockingStub(cluster.channel(cluster.awaitLeader()));
  }

  @AfterAll
  void stop() {
    cluster.close();
  }

  private long grant(long ttlSeconds) {
    return leases.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttlSeconds).build()).getID();
  }

  private void revoke(long lease) {
    leases.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(lease).build());
  }

  private static LockRequest lockRequest(String name, long lease) {
    return LockRequest.newBuilder().setName(bs(name)).setLease(lease).build();
  }

  private ListenableFuture<LockResponse> lockAsync(int member, String name, long lease) {
    return locks.get(member).lock(lockRequest(name, lease));
  }

  private LockResponse lock(int member, String name, long lease) {
    return blocking
        .get(member)
        .withDeadlineAfter(LIMIT.toSeconds(), TimeUnit.SECONDS)
        .lock(lockRequest(name, lease));
  }

  private KeyValue get(String key) {
    RangeResponse r = kv.range(RangeRequest.newBuilder().setKey(bs(key)).build());
    return r.getKvsCount() == 0 ? null : r.getKvs(0);
  }

  private RangeResponse under(String prefix) {
    return kv.range(
        RangeRequest.newBuilder()
            .setKey(bs(prefix))
            .setRangeEnd(bs(prefix.substring(0, prefix.length() - 1) + "0"))
            .build());
  }

  private static <T> T done(ListenableFuture<T> f) throws Exception {
    return f.get(LIMIT.toSeconds(), TimeUnit.SECONDS);
  }

  private static void assertFailure(ListenableFuture<?> f, Status.Code code, String message)
      throws Exception {
    try {
      f.get(LIMIT.toSeconds(), TimeUnit.SECONDS);
      throw new AssertionError("expected " + code + " " + message);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(StatusRuntimeException.class);
      Status s = ((StatusRuntimeException) e.getCause()).getStatus();
      assertThat(s.getCode()).isEqualTo(code);
      assertThat(s.getDescription()).isEqualTo(message);
    }
  }

  @Test
  void theKeyIsNameSlashLeaseInHexAndLockingAgainWithTheLeaseReturnsIt() {
    long lease = grant(60);
    LockResponse first = lock(0, "k", lease);
    String key = "k/" + Long.toHexString(lease);
    assertThat(first.getKey().toStringUtf8()).isEqualTo(key);
    KeyValue kv = get(key);
    assertThat(kv.getLease()).isEqualTo(lease);
    assertThat(kv.getValue().isEmpty()).isTrue();
    assertThat(first.getHeader().getRevision()).isEqualTo(kv.getCreateRevision());
    assertThat(first.getHeader().getMemberId()).isEqualTo(cluster.servers[0].context().memberId());

    // Re-entry: the same key at once, from another member; nothing is written.
    LockResponse again = lock(2, "k", lease);
    assertThat(again.getKey()).isEqualTo(first.getKey());
    assertThat(again.getHeader().getRevision()).isGreaterThanOrEqualTo(kv.getCreateRevision());
    assertThat(get(key).getModRevision()).isEqualTo(kv.getModRevision());

    long rev =
        blocking
            .get(1)
            .unlock(UnlockRequest.newBuilder().setKey(first.getKey()).build())
            .getHeader()
            .getRevision();
    assertThat(get(key)).isNull();
    assertThat(rev).isGreaterThan(kv.getCreateRevision());
  }

  @Test
  void waitersGetTheLockInCreateRevisionOrderWithGrowingFencingTokens() throws Exception {
    int n = 5;
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = grant(60);
    }
    LockResponse holder = lock(0, "order", ids[0]);
    List<ListenableFuture<LockResponse>> waiting = new ArrayList<>();
    for (int i = 1; i < n; i++) {
      int member = i % 3; // leader and followers alike
      waiting.add(lockAsync(member, "order", ids[i]));
      String key = "order/" + Long.toHexString(ids[i]);
      Await.until(LIMIT, key + " queued", () -> get(key) != null);
    }
    for (ListenableFuture<LockResponse> w : waiting) {
      assertThat(w.isDone()).as("nobody gets a held lock").isFalse();
    }
    long token = get(holder.getKey().toStringUtf8()).getCreateRevision();
    LockResponse current = holder;
    for (int i = 0; i < waiting.size(); i++) {
      blocking.get(1).unlock(UnlockRequest.newBuilder().setKey(current.getKey()).build());
      current = done(waiting.get(i));
      assertThat(current.getKey().toStringUtf8())
          .isEqualTo("order/" + Long.toHexString(ids[i + 1]));
      long next = get(current.getKey().toStringUtf8()).getCreateRevision();
      assertThat(next).as("fencing token").isGreaterThan(token);
      token = next;
      for (int j = i + 1; j < waiting.size(); j++) {
        assertThat(waiting.get(j).isDone()).as("waiter %d still waits", j).isFalse();
      }
      assertThat(current.getHeader().getRevision()).isGreaterThanOrEqualTo(next);
    }
    blocking.get(0).unlock(UnlockRequest.newBuilder().setKey(current.getKey()).build());
    assertThat(under("order/").getKvsCount()).isZero();
  }

  @Test
  void theHoldersLeaseEndingHandsTheLockToTheNextWaiter() throws Exception {
    long a = grant(60);
    long b = grant(60);
    LockResponse held = lock(0, "expiry", a);
    ListenableFuture<LockResponse> next = lockAsync(1, "expiry", b);
    Await.until(LIMIT, "b queued", () -> get("expiry/" + Long.toHexString(b)) != null);
    revoke(a); // what an expiry does: the leader proposes the revoke
    LockResponse got = done(next);
    assertThat(got.getKey().toStringUtf8()).isEqualTo("expiry/" + Long.toHexString(b));
    assertThat(get(held.getKey().toStringUtf8())).isNull();
  }

  @Test
  void aWaiterWhoseLeaseEndsFailsWithSessionExpired() throws Exception {
    long a = grant(60);
    long b = grant(60);
    long c = grant(60);
    lock(0, "lost", a);
    ListenableFuture<LockResponse> waiterB = lockAsync(1, "lost", b);
    String keyB = "lost/" + Long.toHexString(b);
    Await.until(LIMIT, "b queued", () -> get(keyB) != null);
    ListenableFuture<LockResponse> waiterC = lockAsync(2, "lost", c);
    Await.until(LIMIT, "c queued", () -> get("lost/" + Long.toHexString(c)) != null);
    revoke(b);
    assertFailure(waiterB, Status.Code.UNKNOWN, "mutex: session is expired");
    assertThat(waiterC.isDone()).as("c still waits for a").isFalse();
    revoke(a);
    assertThat(done(waiterC).getKey().toStringUtf8()).isEqualTo("lost/" + Long.toHexString(c));
  }

  @Test
  void aCancelledWaitDeletesItsKey() throws Exception {
    long a = grant(60);
    long b = grant(60);
    lock(0, "cancel", a);
    ListenableFuture<LockResponse> waiter = lockAsync(2, "cancel", b);
    String keyB = "cancel/" + Long.toHexString(b);
    Await.until(LIMIT, "b queued", () -> get(keyB) != null);
    waiter.cancel(true);
    Await.until(LIMIT, "the cancelled waiter's key deleted", () -> get(keyB) == null);
    assertThat(get("cancel/" + Long.toHexString(a))).isNotNull();
  }

  @Test
  void aWaitOnAFollowerOutlivesTheLeadersStop() throws Exception {
    int leader = cluster.awaitLeader();
    int waiterMember = (leader + 1) % 3;
    int other = (leader + 2) % 3;
    long a = grant(60);
    long b = grant(60);
    LockResponse held = lock(other, "failover", a);
    ListenableFuture<LockResponse> waiter = lockAsync(waiterMember, "failover", b);
    String keyB = "failover/" + Long.toHexString(b);
    Await.until(LIMIT, "b queued", () -> get(keyB) != null);
    cluster.stop(leader);
    try {
      KVGrpc.KVBlockingStub survivor = KVGrpc.newBlockingStub(cluster.channel(other));
      cluster.awaitLeader(); // among the two left
      assertThat(waiter.isDone()).isFalse();
      Await.until(
          LIMIT,
          "the holder unlocked through the new leader",
          () -> {
            try {
              blocking.get(other).unlock(UnlockRequest.newBuilder().setKey(held.getKey()).build());
              return true;
            } catch (StatusRuntimeException e) {
              return false; // no leader yet on that member
            }
          });
      assertThat(done(waiter).getKey().toStringUtf8()).isEqualTo(keyB);
      assertThat(survivor.range(RangeRequest.newBuilder().setKey(bs(keyB)).build()).getCount())
          .isEqualTo(1);
    } finally {
      cluster.start(leader);
      cluster.awaitLeader();
      kv = KVGrpc.newBlockingStub(cluster.channel(cluster.awaitLeader()));
    }
  }

  @Test
  void leaseZeroGetsANewSixtySecondLeaseThatNobodyKeepsAlive() {
    LockResponse r = lock(1, "nolease", 0);
    KeyValue kv = get(r.getKey().toStringUtf8());
    assertThat(kv.getLease()).isNotZero();
    assertThat(r.getKey().toStringUtf8()).isEqualTo("nolease/" + Long.toHexString(kv.getLease()));
    assertThat(
            leases
                .leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(kv.getLease()).build())
                .getGrantedTTL())
        .isEqualTo(60);
  }

  @Test
  void errorsAreEtcdsMessagesWithCodeUnknown() {
    assertError(
        () -> lock(0, "err", 0x7777), Status.Code.UNKNOWN, "etcdserver: requested lease not found");
    assertError(
        () -> blocking.get(1).unlock(UnlockRequest.getDefaultInstance()),
        Status.Code.UNKNOWN,
        "etcdserver: key is not provided");
    // Unlocking a key that does not exist is not an error.
    assertThat(
            blocking
                .get(2)
                .unlock(UnlockRequest.newBuilder().setKey(bs("err/none")).build())
                .hasHeader())
        .isTrue();
  }

  @Test
  void jetcdsLockClientLocksWaitsAndUnlocks() throws Exception {
    Client c0 = cluster.client(0);
    Client c1 = cluster.client(1);
    ByteSequence name = ByteSequence.from("jetcd", StandardCharsets.UTF_8);
    long a = c0.getLeaseClient().grant(60).get(30, TimeUnit.SECONDS).getID();
    long b = c1.getLeaseClient().grant(60).get(30, TimeUnit.SECONDS).getID();
    var held = c0.getLockClient().lock(name, a).get(30, TimeUnit.SECONDS);
    assertThat(held.getKey().toString(StandardCharsets.UTF_8))
        .isEqualTo("jetcd/" + Long.toHexString(a));
    var next = c1.getLockClient().lock(name, b);
    Await.until(LIMIT, "b queued", () -> get("jetcd/" + Long.toHexString(b)) != null);
    assertThat(next.isDone()).isFalse();
    c0.getLockClient().unlock(held.getKey()).get(30, TimeUnit.SECONDS);
    var got = next.get(30, TimeUnit.SECONDS);
    assertThat(got.getKey().toString(StandardCharsets.UTF_8))
        .isEqualTo("jetcd/" + Long.toHexString(b));
    c1.getLockClient().unlock(got.getKey()).get(30, TimeUnit.SECONDS);
  }
}
