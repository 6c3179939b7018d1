package io.synod.server.etcd;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.synod.common.Bytes;
import io.synod.kv.Compare;
import io.synod.kv.KvCommand;
import io.synod.kv.KvError;
import io.synod.kv.KvResponse;
import io.synod.kv.KvStateMachine;
import io.synod.kv.RangeRequest;
import io.synod.kv.RequestOp;
import io.synod.server.node.CallerLoop;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * What the Lock and Election services share: etcd's {@code clientv3/concurrency} recipes as etcd's
 * v3lock and v3election servers run them, written against the member's own write path and state
 * machine instead of an in-process client (etcd-api.md §8).
 *
 * <ul>
 *   <li>Sessions: a request's lease, or, for lease 0, a new lease of {@link #SESSION_TTL_SECONDS}
 *       that nobody keeps alive (etcd's {@code NewSession} followed by {@code Orphan}).
 *   <li>Keys: {@code name + "/" + lease in lowercase hex}; waiters are ordered by create revision.
 *   <li>Waiting ({@link #awaitTurn}): once this member has applied the write that created (or
 *       found) the waiter's key, a {@link QueueWaiter} on the loop thread, cancelled when the
 *       client's call ends.
 *   <li>Errors: etcd's servers call an in-process client, whose typed errors reach gRPC as plain Go
 *       errors, so every failure of these services is {@code Unknown} with etcd's message ({@link
 *       #passThrough}); only a call the client cancelled stays {@code Cancelled}.
 * </ul>
 *
 * <p>Safe from any thread; waiters and observers live on the replica loop's thread.
 */
final class ConcurrencyRecipes {
  /** etcd's {@code concurrency.defaultSessionTTL}: the lease granted for requests without one. */
  static final long SESSION_TTL_SECONDS = 60;

  /** Waiters and observers a member keeps at once; more are answered "too many requests". */
  static final int WAITERS_MAX = 16_384;

  static final String SESSION_EXPIRED = "mutex: session is expired";
  static final String NOT_LEADER = "election: not leader";
  static final String NO_LEADER = "election: no leader";
  static final String MISSING_LEADER_KEY = "\"leader\" field must be provided";

  final EtcdEdge edge;
  private final AtomicInteger waiters = new AtomicInteger();

  ConcurrencyRecipes(EtcdEdge edge) {
    this.edge = edge;
  }

  // ---------------------------------------------------------------------------------------------
  // Keys and ranges

  /** {@code name + "/"}: the prefix under which the waiters' keys live. */
  static Bytes prefix(Bytes name) {
    return name.concat(Bytes.utf8("/"));
  }

  /** A waiter's key: the prefix and the lease id as Go's {@code %x} prints it. */
  static Bytes key(Bytes prefix, long lease) {
    String hex = lease < 0 ? "-" + Long.toHexString(-lease) : Long.toHexString(lease);
    return prefix.concat(Bytes.utf8(hex));
  }

  /**
   * etcd's {@code GetPrefixRangeEnd}: the prefix with its last byte below 0xff incremented and what
   * follows dropped; {@code "\0"} (every key from the prefix on) if all bytes are 0xff.
   */
  static Bytes prefixEnd(Bytes prefix) {
    byte[] end = prefix.toByteArray();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return Bytes.copyOf(end, 0, i + 1);
      }
    }
    return Bytes.wrapOwned(new byte[] {0});
  }

  /** etcd's {@code WithFirstCreate}: the key under {@code prefix} created first, at a revision. */
  static RangeRequest firstCreated(Bytes prefix, long revision) {
    return new RangeRequest(
        prefix,
        prefixEnd(prefix),
        1,
        revision,
        RangeRequest.SortOrder.ASCEND,
        RangeRequest.SortTarget.CREATE,
        false,
        false,
        false,
        0,
        0,
        0,
        0);
  }

  static Compare createRevisionIs(Bytes key, long revision) {
    return new Compare(
        Compare.Result.EQUAL, Compare.Target.CREATE, key, Bytes.EMPTY, revision, Bytes.EMPTY);
  }

  static RequestOp put(Bytes key, Bytes value, long lease) {
    return new RequestOp.Put(new KvCommand.Put(key, value, lease, false, false, false));
  }

  static RequestOp get(RangeRequest r) {
    return new RequestOp.Range(r);
  }

  static RequestOp delete(Bytes key) {
    return new RequestOp.DeleteRange(new KvCommand.DeleteRange(key, Bytes.EMPTY, false));
  }

  // ---------------------------------------------------------------------------------------------
  // Writes and reads

  /** The session's lease: {@code lease} itself, or a new unkept lease of 60 s for 0. */
  CompletableFuture<Long> sessionLease(long lease) {
    if (lease != 0) {
      return CompletableFuture.completedFuture(lease);
    }
    return edge.write(new KvCommand.LeaseGrant(SESSION_TTL_SECONDS, 0))
        .thenApply(r -> ((KvResponse.LeaseGrant) r).id());
  }

  CompletableFuture<KvResponse.Txn> txn(
      List<Compare> compares, List<RequestOp> success, List<RequestOp> failure) {
    return edge.write(new KvCommand.Txn(compares, success, failure))
        .thenApply(r -> (KvResponse.Txn) r);
  }

  /** Deletes {@code key}, forgetting the outcome (the cleanup of a wait that failed). */
  void deleteQuietly(Bytes key) {
    edge.write(new KvCommand.DeleteRange(key, Bytes.EMPTY, false));
  }

  /** A linearizable range. */
  CompletableFuture<KvResponse.Range> range(RangeRequest r) {
    return edge.read(false, sm -> sm.range(r))
        .thenApply(resp -> (KvResponse.Range) EtcdEdge.check(resp));
  }

  // ---------------------------------------------------------------------------------------------
  // Waiting

  /**
   * Waits until no key under {@code prefix} was created before {@code ownRevision} (see {@link
   * QueueWaiter}), or until {@code ownKey} goes, or until {@code cancelled} completes. {@code
   * seenAt} is the revision of the write this request made to create or find {@code ownKey}: the
   * wait starts once this member's store has reached it. Fails only if the member could not run the
   * wait (a stopped or busy loop).
   */
  CompletableFuture<QueueWaiter.Turn> awaitTurn(
      Bytes prefix,
      Bytes ownKey,
      long ownRevision,
      long seenAt,
      CompletableFuture<Void> cancelled) {
    if (waiters.incrementAndGet() > WAITERS_MAX) {
      waiters.decrementAndGet();
      return CompletableFuture.failedFuture(EtcdErrors.of(KvError.TOO_MANY_REQUESTS));
    }
    // The turn is answered where this call runs: its event loop if it has one (CallerLoop).
    QueueWaiter waiter =
        new QueueWaiter(prefix, ownKey, ownRevision, CallerLoop.currentOr(edge.executor()));
    // The keys ahead are those the state shows at seenAt or later. That write committed after this
    // request arrived, so what the waiter sees there is no older than the request (linearizable);
    // keys ahead only ever go away, and their deletions after that are watched. A follower that
    // has applied seenAt needs no ReadIndex round (a heartbeat round of the leader: four messages
    // more for every waiting Lock).
    CompletableFuture<Void> started = atRevision(seenAt, waiter::start);
    cancelled.thenRun(
        () -> {
          if (!waiter.result().isDone()) {
            onLoop(sm -> waiter.cancel());
          }
        });
    CompletableFuture<QueueWaiter.Turn> out =
        started.thenCompose(v -> waiter.result()).whenComplete((t, e) -> waiters.decrementAndGet());
    return out;
  }

  /**
   * Runs {@code action} on the loop thread once this member's store has reached {@code revision}
   * (see {@link KvReplica#whenRevision}); the future completes when the action is registered.
   */
  CompletableFuture<Void> atRevision(long revision, Consumer<KvStateMachine> action) {
    return edge.ctx
        .runner()
        .call(
            loop -> {
              edge.replica.whenRevision(revision, action);
              return null;
            });
  }

  /** Runs {@code action} on the loop thread with the state machine. */
  CompletableFuture<Void> onLoop(Consumer<KvStateMachine> action) {
    return edge.ctx
        .runner()
        .call(
            loop -> {
              // The loop applies to the member's EtcdStateMachine; the KV store is inside it.
              action.accept(edge.replica.stateMachine());
              return null;
            });
  }

  /**
   * Runs {@code action} on the loop thread once this member has applied everything committed now (a
   * ReadIndex round): what it sees is at least as new as any write acknowledged before.
   */
  CompletableFuture<Void> afterRead(Consumer<KvStateMachine> action) {
    return edge.read(false, sm -> sm.revision()).thenCompose(rev -> onLoop(action));
  }

  /** Counts an observer against {@link #WAITERS_MAX}; false if there is no room. */
  boolean admitObserver() {
    if (waiters.incrementAndGet() > WAITERS_MAX) {
      waiters.decrementAndGet();
      return false;
    }
    return true;
  }

  void releaseObserver() {
    waiters.decrementAndGet();
  }

  /**
   * Completes when the current gRPC call ends (cancelled by the client, its deadline passed, or
   * answered). Call on the thread that runs the service method.
   */
  static CompletableFuture<Void> callEnded() {
    CompletableFuture<Void> ended = new CompletableFuture<>();
    Context.current().addListener(c -> ended.complete(null), Runnable::run);
    return ended;
  }

  // ---------------------------------------------------------------------------------------------
  // Errors

  /** etcd's error of a recipe: the message as it is, the code Unknown (Cancelled stays). */
  static StatusRuntimeException passThrough(Throwable t) {
    Status s = EtcdErrors.toStatus(t);
    if (s.getCode() == Status.Code.CANCELLED) {
      return s.asRuntimeException();
    }
    return Status.UNKNOWN.withDescription(s.getDescription()).asRuntimeException();
  }

  /** Throws {@link #passThrough}({@code e}): for {@code exceptionally} at the end of an RPC. */
  static <T> T rethrow(Throwable e) {
    throw passThrough(e);
  }

  static StatusRuntimeException unknown(String message) {
    return Status.UNKNOWN.withDescription(message).asRuntimeException();
  }

  static StatusRuntimeException cancelled() {
    return Status.CANCELLED.withDescription("context canceled").asRuntimeException();
  }
}
