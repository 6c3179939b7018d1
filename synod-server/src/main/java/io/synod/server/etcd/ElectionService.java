package io.synod.server.etcd;

import io.etcd.jetcd.api.CampaignRequest;
import io.etcd.jetcd.api.CampaignResponse;
import io.etcd.jetcd.api.ElectionGrpc;
import io.etcd.jetcd.api.LeaderKey;
import io.etcd.jetcd.api.LeaderRequest;
import io.etcd.jetcd.api.LeaderResponse;
import io.etcd.jetcd.api.ProclaimRequest;
import io.etcd.jetcd.api.ProclaimResponse;
import io.etcd.jetcd.api.ResignRequest;
import io.etcd.jetcd.api.ResignResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.synod.common.Bytes;
import io.synod.kv.KeyValue;
import io.synod.kv.KvResponse;
import io.synod.kv.RangeRequest;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's {@code v3electionpb.Election} (etcd-api.md §8): the server-side {@code
 * concurrency.Election}. Candidates are the keys under {@code name/}; the leader is the one created
 * first.
 *
 * <ul>
 *   <li><b>Campaign</b>{@code (name, lease, value)}: puts {@code name/<lease hex>} = value with the
 *       lease unless it exists (an existing key with another value is proclaimed to the new one),
 *       waits ({@link QueueWaiter}) until every key created before it is deleted, then answers
 *       {@code LeaderKey{name, key, rev = its create revision, lease}} with the header of that
 *       first write. A client that goes away while waiting resigns; if its key goes (lease
 *       expired), the answer is "election: not leader".
 *   <li><b>Proclaim</b>{@code (leader, value)}: puts the value if the key still has create revision
 *       {@code leader.rev}, else "election: not leader".
 *   <li><b>Leader</b>{@code (name)}: the first-created key under the prefix, else "election: no
 *       leader".
 *   <li><b>Observe</b>{@code (name)}: a stream of the leader and its changes ({@link
 *       ObserveStream}).
 *   <li><b>Resign</b>{@code (leader)}: deletes the key if its create revision is still {@code
 *       leader.rev}.
 * </ul>
 *
 * <p>As in etcd, a missing {@code leader} is {@code "\"leader\" field must be provided"}, lease 0
 * gets a new 60 s lease nobody keeps alive (for Proclaim and Resign too), and every error is {@code
 * Unknown} with etcd's message. Safe from any thread.
 */
final class ElectionService implements ElectionGrpc.AsyncService {
  private final ConcurrencyRecipes recipes;
  private final EtcdEdge edge;

  ElectionService(ConcurrencyRecipes recipes) {
    this.recipes = recipes;
    this.edge = recipes.edge;
  }

  /** A candidate: its key, the key's create revision and its lease. */
  private record Candidate(Bytes name, Bytes key, long rev, long lease) {
    LeaderKey toProto() {
      return LeaderKey.newBuilder()
          .setName(EtcdProtos.bytes(name))
          .setKey(EtcdProtos.bytes(key))
          .setRev(rev)
          .setLease(lease)
          .build();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Campaign

  /**
   * Campaigns until elected; {@code cancelled} completes when the caller no longer waits (the
   * candidate then resigns and the future fails with Cancelled).
   */
  CompletableFuture<CampaignResponse> campaign(
      CampaignRequest request, CompletableFuture<Void> cancelled) {
    Bytes name = EtcdProtos.bytes(request.getName());
    Bytes value = EtcdProtos.bytes(request.getValue());
    return recipes
        .sessionLease(request.getLease())
        .thenCompose(lease -> campaign(name, lease, value, cancelled))
        .exceptionally(ConcurrencyRecipes::rethrow);
  }

  private CompletableFuture<CampaignResponse> campaign(
      Bytes name, long lease, Bytes value, CompletableFuture<Void> cancelled) {
    Bytes prefix = ConcurrencyRecipes.prefix(name);
    Bytes key = ConcurrencyRecipes.key(prefix, lease);
    return recipes
        .txn(
            List.of(ConcurrencyRecipes.createRevisionIs(key, 0)),
            List.of(ConcurrencyRecipes.put(key, value, lease)),
            List.of(ConcurrencyRecipes.get(RangeRequest.single(key))))
        .thenCompose(
            t -> {
              if (t.succeeded()) {
                Candidate c = new Candidate(name, key, t.revision(), lease);
                return elect(prefix, c, t.revision(), cancelled);
              }
              KeyValue existing = ((KvResponse.Range) t.responses().get(0)).kvs().get(0);
              Candidate c = new Candidate(name, key, existing.createRevision(), lease);
              if (existing.value().equals(value)) {
                return elect(prefix, c, t.revision(), cancelled);
              }
              // etcd: a campaign on an existing key proclaims the new value first, and resigns if
              // that fails.
              return proclaim(c, value)
                  .handle(
                      (ok, error) -> {
                        if (error == null && ok.succeeded()) {
                          return elect(prefix, c, t.revision(), cancelled);
                        }
                        resignQuietly(c);
                        return CompletableFuture.<CampaignResponse>failedFuture(
                            error != null
                                ? error
                                : ConcurrencyRecipes.unknown(ConcurrencyRecipes.NOT_LEADER));
                      })
                  .thenCompose(f -> f);
            });
  }

  /** Waits for {@code c}'s turn; answers with the header of the campaign's first write. */
  private CompletableFuture<CampaignResponse> elect(
      Bytes prefix, Candidate c, long headerRevision, CompletableFuture<Void> cancelled) {
    return recipes
        .awaitTurn(prefix, c.key(), c.rev(), headerRevision, cancelled)
        .handle(
            (turn, error) -> {
              if (turn instanceof QueueWaiter.Turn.Came) {
                return CompletableFuture.completedFuture(
                    CampaignResponse.newBuilder()
                        .setHeader(edge.header(headerRevision))
                        .setLeader(c.toProto())
                        .build());
              }
              if (turn instanceof QueueWaiter.Turn.OwnKeyGone) {
                return CompletableFuture.<CampaignResponse>failedFuture(
                    ConcurrencyRecipes.unknown(ConcurrencyRecipes.NOT_LEADER));
              }
              if (turn instanceof QueueWaiter.Turn.Cancelled) {
                // etcd: a campaign whose context ended resigns.
                resignQuietly(c);
                return CompletableFuture.<CampaignResponse>failedFuture(
                    ConcurrencyRecipes.cancelled());
              }
              return CompletableFuture.<CampaignResponse>failedFuture(error);
            })
        .thenCompose(f -> f);
  }

  private CompletableFuture<KvResponse.Txn> proclaim(Candidate c, Bytes value) {
    return recipes.txn(
        List.of(ConcurrencyRecipes.createRevisionIs(c.key(), c.rev())),
        List.of(ConcurrencyRecipes.put(c.key(), value, c.lease())),
        List.of());
  }

  private CompletableFuture<KvResponse.Txn> resign(Candidate c) {
    return recipes.txn(
        List.of(ConcurrencyRecipes.createRevisionIs(c.key(), c.rev())),
        List.of(ConcurrencyRecipes.delete(c.key())),
        List.of());
  }

  /** Resigns {@code c}, forgetting the outcome (the cleanup of a campaign that failed). */
  private void resignQuietly(Candidate c) {
    resign(c);
  }

  // ---------------------------------------------------------------------------------------------
  // Proclaim, Leader, Resign

  CompletableFuture<ProclaimResponse> proclaim(ProclaimRequest request) {
    if (!request.hasLeader()) {
      return missingLeader();
    }
    LeaderKey l = request.getLeader();
    return recipes
        .sessionLease(l.getLease())
        .thenCompose(lease -> proclaim(candidate(l, lease), EtcdProtos.bytes(request.getValue())))
        .thenApply(
            t -> {
              if (!t.succeeded()) {
                throw ConcurrencyRecipes.unknown(ConcurrencyRecipes.NOT_LEADER);
              }
              return ProclaimResponse.newBuilder().setHeader(edge.header(t.revision())).build();
            })
        .exceptionally(ConcurrencyRecipes::rethrow);
  }

  CompletableFuture<ResignResponse> resign(ResignRequest request) {
    if (!request.hasLeader()) {
      return missingLeader();
    }
    LeaderKey l = request.getLeader();
    return recipes
        .sessionLease(l.getLease())
        .thenCompose(lease -> resign(candidate(l, lease)))
        .thenApply(t -> ResignResponse.newBuilder().setHeader(edge.header(t.revision())).build())
        .exceptionally(ConcurrencyRecipes::rethrow);
  }

  CompletableFuture<LeaderResponse> leader(LeaderRequest request) {
    Bytes prefix = ConcurrencyRecipes.prefix(EtcdProtos.bytes(request.getName()));
    return recipes
        .range(ConcurrencyRecipes.firstCreated(prefix, 0))
        .thenApply(
            r -> {
              if (r.kvs().isEmpty()) {
                throw ConcurrencyRecipes.unknown(ConcurrencyRecipes.NO_LEADER);
              }
              return LeaderResponse.newBuilder()
                  .setHeader(edge.header(r.revision()))
                  .setKv(EtcdProtos.kv(r.kvs().get(0)))
                  .build();
            })
        .exceptionally(ConcurrencyRecipes::rethrow);
  }

  private static Candidate candidate(LeaderKey l, long lease) {
    return new Candidate(
        EtcdProtos.bytes(l.getName()), EtcdProtos.bytes(l.getKey()), l.getRev(), lease);
  }

  private static <T> CompletableFuture<T> missingLeader() {
    return CompletableFuture.failedFuture(
        ConcurrencyRecipes.unknown(ConcurrencyRecipes.MISSING_LEADER_KEY));
  }

  /**
   * An Observe stream of {@code request}'s election to {@code out}, failing when the member loses
   * its leader if {@code requireLeader}; call {@code open()}.
   */
  ObserveStream observe(
      LeaderRequest request, LatestOutbox.Outbound<LeaderResponse> out, boolean requireLeader) {
    return new ObserveStream(recipes, EtcdProtos.bytes(request.getName()), out, requireLeader);
  }

  // ---------------------------------------------------------------------------------------------
  // gRPC

  @Override
  public void campaign(CampaignRequest request, StreamObserver<CampaignResponse> out) {
    Grpc.reply(() -> campaign(request, ConcurrencyRecipes.callEnded()), out);
  }

  @Override
  public void proclaim(ProclaimRequest request, StreamObserver<ProclaimResponse> out) {
    Grpc.reply(() -> proclaim(request), out);
  }

  @Override
  public void leader(LeaderRequest request, StreamObserver<LeaderResponse> out) {
    Grpc.reply(() -> leader(request), out);
  }

  @Override
  public void resign(ResignRequest request, StreamObserver<ResignResponse> out) {
    Grpc.reply(() -> resign(request), out);
  }

  @Override
  public void observe(LeaderRequest request, StreamObserver<LeaderResponse> responses) {
    ServerCallStreamObserver<LeaderResponse> call =
        (ServerCallStreamObserver<LeaderResponse>) responses;
    ObserveStream stream =
        observe(
            request,
            new LatestOutbox.Outbound<LeaderResponse>() {
              @Override
              public boolean isReady() {
                return call.isReady() && !call.isCancelled();
              }

              @Override
              public void send(LeaderResponse response) {
                call.onNext(response);
              }

              @Override
              public void fail(Status status) {
                call.onError(status.asRuntimeException());
              }
            },
            Grpc.requiresLeader());
    call.setOnReadyHandler(stream::drain);
    call.setOnCancelHandler(stream::close);
    stream.open();
  }
}
