package io.synod.bench;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseRevokeResponse;
import io.etcd.jetcd.api.lock.LockGrpc;
import io.etcd.jetcd.api.lock.LockRequest;
import io.etcd.jetcd.api.lock.LockResponse;
import io.etcd.jetcd.api.lock.UnlockRequest;
import io.etcd.jetcd.api.lock.UnlockResponse;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The lease workloads. {@link Workload#LEASE}: each operation grants a lease, keeps it alive once
 * on the client's own LeaseKeepAlive stream and revokes it (three Raft writes and a leader round
 * trip). {@link Workload#LOCK}: each client holds one lease for the whole run; each operation is a
 * v3lock Lock of one of {@code --keys} names (it waits while another client holds it) and its
 * Unlock.
 */
final class LeaseLoad implements LoadWorkload {
  static final long LEASE_TTL_SECONDS = 60;
  static final String LOCK_PREFIX = "bench/lock/";

  /** How long an acquisition may wait for the holders before it, under contention. */
  static final long LOCK_WAIT_SECONDS = 60;

  private static final long CLOSE_SECONDS_MAX = 5;

  private final LoadSpec spec;
  private final EtcdChannels channels;
  private final List<KeepAliveStream> streams = new ArrayList<>();
  private long[] lockLeases = new long[0];

  LeaseLoad(LoadSpec spec, EtcdChannels channels) {
    this.spec = spec;
    this.channels = channels;
  }

  static LeaseGrpc.LeaseStub lease(Channel channel) {
    return LeaseGrpc.newStub(channel)
        .withDeadlineAfter(LoadRun.RPC_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  private static LockGrpc.LockStub lock(Channel channel) {
    return LockGrpc.newStub(channel)
        .withDeadlineAfter(LoadRun.RPC_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  static CompletableFuture<LeaseGrantResponse> grant(Channel channel, long ttlSeconds) {
    Unary<LeaseGrantResponse> done = new Unary<>();
    lease(channel).leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttlSeconds).build(), done);
    return done;
  }

  static CompletableFuture<LeaseRevokeResponse> revoke(Channel channel, long id) {
    Unary<LeaseRevokeResponse> done = new Unary<>();
    lease(channel).leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build(), done);
    return done;
  }

  @Override
  public void setUp(long deadlineNanos) throws Unsupported, InterruptedException {
    if (spec.workload() == Workload.LOCK) {
      lockLeases = grantPerClient(spec, channels, deadlineNanos);
    }
  }

  /**
   * One lease per client for the whole run (a lock's owner key is attached to it), granted on the
   * client's channel; the TTL outlives the run.
   */
  static long[] grantPerClient(LoadSpec spec, EtcdChannels channels, long deadlineNanos)
      throws Unsupported, InterruptedException {
    long ttl = LEASE_TTL_SECONDS + spec.warmupSeconds() + spec.seconds();
    List<CompletableFuture<LeaseGrantResponse>> grants = new ArrayList<>();
    for (int i = 0; i < spec.clients(); i++) {
      grants.add(grant(channels.get(i), ttl));
    }
    long[] ids = new long[spec.clients()];
    for (int i = 0; i < grants.size(); i++) {
      Status s = KvLoad.await(grants.get(i), deadlineNanos);
      if (s.getCode() == Status.Code.UNIMPLEMENTED) {
        throw new Unsupported(LoadStats.describe(s));
      }
      if (!s.isOk()) {
        throw new IllegalStateException("lease grant for lock client: " + LoadStats.describe(s));
      }
      ids[i] = grants.get(i).join().getID();
    }
    return ids;
  }

  /** Revokes {@code ids} (deleting what is attached to them); best effort, bounded in time. */
  static void revokeAll(EtcdChannels channels, long[] ids) {
    List<CompletableFuture<?>> revokes = new ArrayList<>();
    for (int i = 0; i < ids.length; i++) {
      revokes.add(revoke(channels.get(i), ids[i]));
    }
    try {
      CompletableFuture.allOf(revokes.toArray(CompletableFuture[]::new))
          .get(CLOSE_SECONDS_MAX, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // Best effort: the leases expire by themselves.
    }
  }

  @Override
  public ClientOp client(int index) {
    KvLoad.Rotation rotation = new KvLoad.Rotation(channels, index);
    if (spec.workload() == Workload.LEASE) {
      KeepAliveStream stream = new KeepAliveStream(channels.get(index));
      synchronized (streams) {
        streams.add(stream);
      }
      return start -> {
        Channel ch = rotation.next();
        return grant(ch, LEASE_TTL_SECONDS)
            .thenCompose(g -> stream.keepAlive(g.getID()).thenApply(k -> g.getID()))
            .thenCompose(id -> revoke(ch, id))
            .thenApply(r -> 0);
      };
    }
    SplittableRandom random = new SplittableRandom(spec.seed() * 1_000_003L + index);
    long leaseId = lockLeases[index];
    return start -> {
      Channel ch = rotation.next();
      ByteString name = lockName(random.nextInt(spec.keys()));
      Unary<LockResponse> locked = new Unary<>();
      LockGrpc.newStub(ch)
          .withDeadlineAfter(LOCK_WAIT_SECONDS, TimeUnit.SECONDS)
          .lock(LockRequest.newBuilder().setName(name).setLease(leaseId).build(), locked);
      return locked
          .thenCompose(
              l -> {
                Unary<UnlockResponse> unlocked = new Unary<>();
                lock(ch).unlock(UnlockRequest.newBuilder().setKey(l.getKey()).build(), unlocked);
                return unlocked;
              })
          .thenApply(u -> 0);
    };
  }

  static ByteString lockName(int i) {
    return ByteString.copyFrom(
        String.format(Locale.ROOT, "%s%04d", LOCK_PREFIX, i), StandardCharsets.US_ASCII);
  }

  @Override
  public void close() {
    synchronized (streams) {
      streams.forEach(KeepAliveStream::close);
    }
    revokeAll(channels, lockLeases);
  }

  /**
   * One client's LeaseKeepAlive stream, with one keep-alive outstanding at a time. Opened on first
   * use and again after it broke (an error, an end, or an answer later than the deadline). Used by
   * one client at a time; answers arrive on a network thread.
   */
  static final class KeepAliveStream {
    private final Channel channel;
    private Call call;

    KeepAliveStream(Channel channel) {
      this.channel = channel;
    }

    CompletableFuture<LeaseKeepAliveResponse> keepAlive(long id) {
      if (call == null || call.broken) {
        call = new Call();
        call.requests = LeaseGrpc.newStub(channel).leaseKeepAlive(call);
      }
      Call c = call;
      CompletableFuture<LeaseKeepAliveResponse> p = new CompletableFuture<>();
      c.pending = p;
      c.requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
      return p.orTimeout(LoadRun.RPC_DEADLINE_SECONDS, TimeUnit.SECONDS)
          .whenComplete(
              (r, t) -> {
                if (t != null) {
                  c.broken = true;
                  // Cancels the stream (a no-op if it already ended), so it cannot linger.
                  try {
                    c.requests.onError(Status.CANCELLED.withDescription("abandoned").asException());
                  } catch (RuntimeException e) {
                    // Already closed.
                  }
                }
              })
          .thenCompose(
              r ->
                  r.getTTL() > 0
                      ? CompletableFuture.completedFuture(r)
                      : CompletableFuture.failedFuture(
                          Status.NOT_FOUND
                              .withDescription("keep-alive: lease " + id + " not found")
                              .asException()));
    }

    void close() {
      Call c = call;
      if (c != null && !c.broken) {
        try {
          c.requests.onCompleted();
        } catch (RuntimeException e) {
          // Already cancelled by the channel's shutdown.
        }
      }
    }

    /** One stream: a broken one is never used again, so a late answer cannot be mistaken. */
    private static final class Call implements StreamObserver<LeaseKeepAliveResponse> {
      private StreamObserver<LeaseKeepAliveRequest> requests;
      private volatile boolean broken;
      private volatile CompletableFuture<LeaseKeepAliveResponse> pending;

      @Override
      public void onNext(LeaseKeepAliveResponse r) {
        CompletableFuture<LeaseKeepAliveResponse> p = pending;
        if (p != null) {
          p.complete(r);
        }
      }

      @Override
      public void onError(Throwable t) {
        broken = true;
        CompletableFuture<LeaseKeepAliveResponse> p = pending;
        if (p != null) {
          p.completeExceptionally(t);
        }
      }

      @Override
      public void onCompleted() {
        onError(Status.UNAVAILABLE.withDescription("keep-alive stream ended").asException());
      }
    }
  }
}
