package io.synod.server.etcd;

import io.etcd.jetcd.api.lock.LockGrpc;
import io.etcd.jetcd.api.lock.LockRequest;
import io.etcd.jetcd.api.lock.LockResponse;
import io.etcd.jetcd.api.lock.UnlockRequest;
import io.etcd.jetcd.api.lock.UnlockResponse;
import io.grpc.stub.StreamObserver;
import io.synod.common.Bytes;
import io.synod.kv.KeyValue;
import io.synod.kv.KvCommand;
import io.synod.kv.KvResponse;
import io.synod.kv.RangeRequest;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's {@code v3lockpb.Lock} (etcd-api.md §8): the server-side {@code concurrency.Mutex}.
 *
 * <ul>
 *   <li><b>Lock</b>{@code (name, lease)}: one Txn puts {@code name/<lease hex>} with the lease if
 *       it does not exist (else reuses it: locking again with the same lease returns the same key)
 *       and reads the first-created key under {@code name/}. If that is its own key, the lock is
 *       held; otherwise it waits ({@link QueueWaiter}) until every key created before it is
 *       deleted. The answer's key is a fencing token: its create revision grows with every new
 *       holder. Lease 0 gets a new 60 s lease nobody keeps alive. If the wait ends because the
 *       client went away or failed, the key is deleted (etcd's {@code Mutex.Unlock}); if the key
 *       itself went (its lease expired), the answer is "mutex: session is expired".
 *   <li><b>Unlock</b>{@code (key)}: deletes the key.
 * </ul>
 *
 * <p>Errors are {@code Unknown} with etcd's messages ({@link ConcurrencyRecipes#passThrough}). Safe
 * from any thread.
 */
final class LockService implements LockGrpc.AsyncService {
  private final ConcurrencyRecipes recipes;
  private final EtcdEdge edge;

  LockService(ConcurrencyRecipes recipes) {
    this.recipes = recipes;
    this.edge = recipes.edge;
  }

  /**
   * Acquires the lock; {@code cancelled} completes when the caller no longer waits (the key is then
   * deleted and the future fails with Cancelled).
   */
  CompletableFuture<LockResponse> lock(LockRequest request, CompletableFuture<Void> cancelled) {
    Bytes prefix = ConcurrencyRecipes.prefix(EtcdProtos.bytes(request.getName()));
    return recipes
        .sessionLease(request.getLease())
        .thenCompose(
            lease -> acquire(prefix, ConcurrencyRecipes.key(prefix, lease), lease, cancelled))
        .exceptionally(ConcurrencyRecipes::rethrow);
  }

  private CompletableFuture<LockResponse> acquire(
      Bytes prefix, Bytes key, long lease, CompletableFuture<Void> cancelled) {
    RangeRequest owner = ConcurrencyRecipes.firstCreated(prefix, 0);
    return recipes
        .txn(
            List.of(ConcurrencyRecipes.createRevisionIs(key, 0)),
            List.of(ConcurrencyRecipes.put(key, Bytes.EMPTY, lease), ConcurrencyRecipes.get(owner)),
            List.of(
                ConcurrencyRecipes.get(RangeRequest.single(key)), ConcurrencyRecipes.get(owner)))
        .thenCompose(
            t -> {
              long own =
                  t.succeeded() ? t.revision() : firstKv(t.responses().get(0)).createRevision();
              KeyValue first = firstKv(t.responses().get(1));
              if (first == null || first.createRevision() == own) {
                return CompletableFuture.completedFuture(response(t.revision(), key));
              }
              return recipes
                  .awaitTurn(prefix, key, own, t.revision(), cancelled)
                  .handle((turn, error) -> afterWait(turn, error, key))
                  .thenCompose(f -> f);
            });
  }

  private CompletableFuture<LockResponse> afterWait(
      QueueWaiter.Turn turn, Throwable error, Bytes key) {
    if (turn instanceof QueueWaiter.Turn.Came c) {
      return CompletableFuture.completedFuture(response(c.revision(), key));
    }
    if (turn instanceof QueueWaiter.Turn.OwnKeyGone) {
      return CompletableFuture.failedFuture(
          ConcurrencyRecipes.unknown(ConcurrencyRecipes.SESSION_EXPIRED));
    }
    // etcd's Mutex.Lock: a wait that failed releases its key.
    recipes.deleteQuietly(key);
    return CompletableFuture.failedFuture(error != null ? error : ConcurrencyRecipes.cancelled());
  }

  private LockResponse response(long revision, Bytes key) {
    return LockResponse.newBuilder()
        .setHeader(edge.header(revision))
        .setKey(EtcdProtos.bytes(key))
        .build();
  }

  CompletableFuture<UnlockResponse> unlock(UnlockRequest request) {
    return edge.write(
            new KvCommand.DeleteRange(EtcdProtos.bytes(request.getKey()), Bytes.EMPTY, false))
        .thenApply(
            r ->
                UnlockResponse.newBuilder()
                    .setHeader(edge.header(((KvResponse.DeleteRange) r).revision()))
                    .build())
        .exceptionally(ConcurrencyRecipes::rethrow);
  }

  // ---------------------------------------------------------------------------------------------
  // gRPC

  @Override
  public void lock(LockRequest request, StreamObserver<LockResponse> out) {
    Grpc.reply(() -> lock(request, ConcurrencyRecipes.callEnded()), out);
  }

  @Override
  public void unlock(UnlockRequest request, StreamObserver<UnlockResponse> out) {
    Grpc.reply(() -> unlock(request), out);
  }

  private static KeyValue firstKv(KvResponse r) {
    List<KeyValue> kvs = ((KvResponse.Range) r).kvs();
    return kvs.isEmpty() ? null : kvs.get(0);
  }
}
