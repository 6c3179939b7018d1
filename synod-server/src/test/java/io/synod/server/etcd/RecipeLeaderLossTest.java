package io.synod.server.etcd;

import static io.synod.server.etcd.KvServiceTest.bs;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import io.etcd.jetcd.api.CampaignRequest;
import io.etcd.jetcd.api.ElectionGrpc;
import io.etcd.jetcd.api.LeaderRequest;
import io.etcd.jetcd.api.LeaderResponse;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.lock.LockGrpc;
import io.etcd.jetcd.api.lock.LockRequest;
import io.etcd.jetcd.api.lock.LockResponse;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.synod.server.Await;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lock and Election when a member loses its leader: an Observe stream that asked for a leader
 * ({@code hasleader: true}, as jetcd's Election client sends) ends with {@code Unavailable
 * "etcdserver: no leader"}, one that did not stays, and a waiting lock keeps waiting.
 */
class RecipeLeaderLossTest {
  @TempDir Path dir;

  /** An Observe stream's reports and end. */
  private static final class Reports implements StreamObserver<LeaderResponse> {
    final BlockingQueue<LeaderResponse> next = new LinkedBlockingQueue<>();
    volatile Status ended;

    @Override
    public void onNext(LeaderResponse r) {
      next.add(r);
    }

    @Override
    public void onError(Throwable t) {
      ended = Status.fromThrowable(t);
    }

    @Override
    public void onCompleted() {
      ended = Status.OK;
    }
  }

  private static int watchers(EtcdCluster c, int member) {
    try {
      return c.servers[member]
          .runner()
          .call(loop -> ((EtcdStateMachine) loop.stateMachine()).kv().watchHub().watcherCount())
          .get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void observersThatAskedForALeaderEndWhenItIsGoneAndWaitersWait() throws Exception {
    try (EtcdCluster c = new EtcdCluster(3, dir)) {
      int survivor = c.follower();
      LeaseGrpc.LeaseBlockingStub leases = LeaseGrpc.newBlockingStub(c.channel(survivor));
      long a = leases.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()).getID();
      long b = leases.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()).getID();
      ElectionGrpc.newBlockingStub(c.channel(survivor))
          .campaign(
              CampaignRequest.newBuilder().setName(bs("ll")).setLease(a).setValue(bs("a")).build());
      Metadata md = new Metadata();
      md.put(Grpc.HAS_LEADER, "true");
      Reports strict = new Reports();
      Reports plain = new Reports();
      LeaderRequest observe = LeaderRequest.newBuilder().setName(bs("ll")).build();
      ElectionGrpc.newStub(c.channel(survivor))
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
          .observe(observe, strict);
      ElectionGrpc.newStub(c.channel(survivor)).observe(observe, plain);
      assertThat(strict.next.poll(30, TimeUnit.SECONDS)).isNotNull();
      assertThat(plain.next.poll(30, TimeUnit.SECONDS)).isNotNull();
      LockGrpc.LockFutureStub locks = LockGrpc.newFutureStub(c.channel(survivor));
      locks
          .lock(LockRequest.newBuilder().setName(bs("ll-lock")).setLease(a).build())
          .get(30, TimeUnit.SECONDS);
      ListenableFuture<LockResponse> waiter =
          locks.lock(LockRequest.newBuilder().setName(bs("ll-lock")).setLease(b).build());
      // Two observers watch the prefix; the waiter, once waiting, its key and its predecessor.
      Await.until(EtcdCluster.LIMIT, "the lock waiter waits", () -> watchers(c, survivor) == 4);

      for (int i = 0; i < 3; i++) {
        if (i != survivor) {
          c.stop(i);
        }
      }
      Await.until(EtcdCluster.LIMIT, "the strict observer ended", () -> strict.ended != null);
      assertThat(strict.ended.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(strict.ended.getDescription()).isEqualTo("etcdserver: no leader");
      assertThat(plain.ended).isNull();
      assertThat(waiter.isDone()).isFalse();
      waiter.cancel(true);
    }
  }
}
