package io.synod.server.etcd;

import io.etcd.jetcd.api.ResponseHeader;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.synod.common.Bytes;
import io.synod.kv.KvCodec;
import io.synod.kv.KvCodecException;
import io.synod.kv.KvCommand;
import io.synod.kv.KvError;
import io.synod.kv.KvResponse;
import io.synod.kv.KvStateMachine;
import io.synod.kv.RequestValidator;
import io.synod.raft.replica.ReplicaLoop;
import io.synod.server.ServerContext;
import io.synod.server.member.MemberIds;
import io.synod.server.node.CallerLoop;
import io.synod.server.node.ProposalOutcome;
import io.synod.server.node.ReadResult;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * What every etcd service of a member shares: its identity for response headers, the write path
 * (validate, admit, propose through the {@code Proposer}, map the outcome to etcd's errors), the
 * read paths (linearizable through ReadIndex, serializable from local state) and leader-only calls
 * (lease keep-alive and time-to-live, forwarded to the leader from a follower).
 *
 * <p>Every future it returns completes off the loop thread; failures are gRPC status exceptions
 * with etcd's codes and messages ({@link EtcdErrors}). Safe from any thread.
 */
final class EtcdEdge {
  /** Pause between two tries of a read or a leader call that found no leader or had to retry. */
  private static final long RETRY_PAUSE_MILLIS = 50;

  final ServerContext ctx;
  final KvReplica replica;
  final RequestValidator validator;
  final WriteQuota quota;

  /** etcd's ReqTimeout: 5 s plus two election timeouts. */
  final Duration requestTimeout;

  /** Fails writes that outlive {@link #requestTimeout}. */
  private final RequestDeadlines deadlines;

  EtcdEdge(ServerContext ctx, KvReplica replica, WriteQuota quota) {
    this.ctx = ctx;
    this.replica = replica;
    this.validator = new RequestValidator(ctx.config().maxTxnOps(), ctx.config().maxRequestBytes());
    this.quota = quota;
    this.requestTimeout = Duration.ofMillis(5_000 + 2 * ctx.config().electionMillis());
    this.deadlines =
        new RequestDeadlines(
            requestTimeout.toNanos(),
            System::nanoTime,
            CompletableFuture.delayedExecutor(
                RequestDeadlines.SWEEP_PERIOD_MILLIS, TimeUnit.MILLISECONDS, ctx.executor()));
  }

  Executor executor() {
    return ctx.executor();
  }

  /** A full header: cluster, member, {@code revision}, the current Raft term. */
  ResponseHeader header(long revision) {
    return ResponseHeader.newBuilder()
        .setClusterId(ctx.clusterId())
        .setMemberId(ctx.memberId())
        .setRevision(revision)
        .setRaftTerm(ctx.runner().status().term())
        .build();
  }

  /** A full header with the revision this member last published. */
  ResponseHeader header() {
    return header(replica.publishedRevision());
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  /**
   * Validates {@code command} (etcd's checks at the edge), asks the quota, proposes it (at the
   * leader) and decodes what applying it answered. Errors: the validation or apply error; {@code
   * Unavailable} "no leader" / "leader changed" when definitely not applied; the "request timed
   * out" family when it may have been applied (never retried here); "too many requests" when busy.
   */
  CompletableFuture<KvResponse> write(KvCommand command) {
    Optional<KvError> invalid = validator.validate(command);
    if (invalid.isEmpty()) {
      invalid = quota.check(command);
    }
    if (invalid.isPresent()) {
      return CompletableFuture.failedFuture(EtcdErrors.of(invalid.get()));
    }
    return deadlines
        .within(ctx.proposer().propose(KvCodec.encode(command)))
        .thenApply(EtcdEdge::outcome);
  }

  private static KvResponse outcome(ProposalOutcome outcome) {
    if (outcome instanceof ProposalOutcome.Applied a) {
      KvResponse r;
      try {
        r = KvCodec.decodeResponse(a.result());
      } catch (KvCodecException e) {
        throw EtcdErrors.status(Status.Code.INTERNAL, "synod: undecodable result: " + e);
      }
      return check(r);
    }
    throw notApplied(outcome);
  }

  /** etcd's error for a proposal that was not applied, or may not have been. */
  static StatusRuntimeException notApplied(ProposalOutcome outcome) {
    if (outcome instanceof ProposalOutcome.NotLeader n) {
      return EtcdErrors.of(n.leaderHint() == 0 ? KvError.NO_LEADER : KvError.LEADER_CHANGED);
    } else if (outcome instanceof ProposalOutcome.Busy) {
      return EtcdErrors.of(KvError.TOO_MANY_REQUESTS);
    } else if (outcome instanceof ProposalOutcome.Rejected) {
      // Definitely not applied: overwritten by a new leader, leadership in transfer, removed.
      return EtcdErrors.of(KvError.LEADER_CHANGED);
    } else if (outcome instanceof ProposalOutcome.Applied) {
      throw new IllegalArgumentException("the proposal was applied");
    }
    String reason = ((ProposalOutcome.Unknown) outcome).reason();
    if (reason.startsWith("forwarding")) {
      return EtcdErrors.status(Status.Code.UNAVAILABLE, EtcdErrors.TIMEOUT_CONNECTION_LOST);
    }
    if (reason.contains("leader")) {
      return EtcdErrors.status(Status.Code.UNAVAILABLE, EtcdErrors.TIMEOUT_LEADER_FAILURE);
    }
    return EtcdErrors.of(KvError.TIMEOUT);
  }

  /** {@code r} unless it is an error, which is thrown as etcd's status. */
  static KvResponse check(KvResponse r) {
    if (r instanceof KvResponse.Error e) {
      throw EtcdErrors.of(e.error());
    }
    return r;
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  /**
   * Runs {@code reader} on the state machine: at once on local state if {@code serializable}, else
   * after a ReadIndex round (linearizable), retried within the request timeout when leadership is
   * changing. A read that finds no leader until the deadline is "request timed out", as in etcd.
   */
  <T> CompletableFuture<T> read(boolean serializable, Function<KvStateMachine, T> reader) {
    if (serializable) {
      return ctx.runner().call(loop -> reader.apply(replica.stateMachine()));
    }
    long deadline = System.nanoTime() + requestTimeout.toNanos();
    return linearizable(reader, deadline);
  }

  private <T> CompletableFuture<T> linearizable(
      Function<KvStateMachine, T> reader, long deadlineNanos) {
    return ctx.runner()
        .read(sm -> reader.apply(replica.stateMachine()))
        .thenCompose(
            result -> {
              if (result instanceof ReadResult.Value<T> v) {
                return CompletableFuture.completedFuture(v.value());
              }
              if (System.nanoTime() >= deadlineNanos) {
                return CompletableFuture.failedFuture(EtcdErrors.of(KvError.TIMEOUT));
              }
              return later(() -> linearizable(reader, deadlineNanos));
            });
  }

  private <T> CompletableFuture<T> later(java.util.function.Supplier<CompletableFuture<T>> next) {
    Executor delayed =
        CompletableFuture.delayedExecutor(RETRY_PAUSE_MILLIS, TimeUnit.MILLISECONDS, executor());
    return CompletableFuture.supplyAsync(next, delayed).thenCompose(f -> f);
  }

  // ---------------------------------------------------------------------------------------------
  // Leader-only calls

  /**
   * Asks the leader's lease clock: here if this member leads, else forwarded once to the leader it
   * knows ({@code kind}, {@code payload}); retried within the request timeout while there is no
   * leader or leadership moves (the calls are idempotent). Fails with "no leader" if none appeared,
   * "request timed out" if the leader could not be reached.
   */
  <T> CompletableFuture<T> leaderCall(
      Function<ReplicaLoop, KvReplica.LeaderAnswer<T>> local,
      int kind,
      Bytes payload,
      Function<Bytes, KvReplica.LeaderAnswer<T>> decodeReply) {
    long deadline = System.nanoTime() + requestTimeout.toNanos();
    return leaderCall(local, kind, payload, decodeReply, deadline);
  }

  private <T> CompletableFuture<T> leaderCall(
      Function<ReplicaLoop, KvReplica.LeaderAnswer<T>> local,
      int kind,
      Bytes payload,
      Function<Bytes, KvReplica.LeaderAnswer<T>> decodeReply,
      long deadlineNanos) {
    return callLocal(local)
        .thenCompose(
            answer -> {
              if (answer instanceof KvReplica.LeaderAnswer.Value<T> v) {
                return CompletableFuture.completedFuture(v.value());
              }
              long hint = ((KvReplica.LeaderAnswer.NotLeader<T>) answer).leaderHint();
              CompletableFuture<KvReplica.LeaderAnswer<T>> remote =
                  hint == 0 || hint == ctx.memberId()
                      ? CompletableFuture.completedFuture(answer)
                      : ctx.peers()
                          .forward(hint, ctx.groupId(), kind, payload)
                          .thenApply(decodeReply)
                          .exceptionally(e -> new KvReplica.LeaderAnswer.NotLeader<>(hint));
              return remote.thenCompose(
                  r -> {
                    if (r instanceof KvReplica.LeaderAnswer.Value<T> v) {
                      return CompletableFuture.completedFuture(v.value());
                    }
                    if (System.nanoTime() >= deadlineNanos) {
                      KvError e =
                          ctx.runner().status().hasLeader() ? KvError.TIMEOUT : KvError.NO_LEADER;
                      return CompletableFuture.failedFuture(EtcdErrors.of(e));
                    }
                    return later(
                        () -> leaderCall(local, kind, payload, decodeReply, deadlineNanos));
                  });
            });
  }

  /** The leader's side of a forwarded leader call: answered here, never forwarded again. */
  <T> CompletableFuture<Bytes> onForwarded(
      Function<ReplicaLoop, KvReplica.LeaderAnswer<T>> local,
      Function<KvReplica.LeaderAnswer<T>, Bytes> encodeReply) {
    return callLocal(local).thenApply(encodeReply);
  }

  /**
   * Asks the loop; a {@link KvReplica.LeaderAnswer.Later} is waited for, and its answer handed back
   * to the caller's event loop (or the pool) rather than continued on the loop thread.
   */
  private <T> CompletableFuture<KvReplica.LeaderAnswer<T>> callLocal(
      Function<ReplicaLoop, KvReplica.LeaderAnswer<T>> local) {
    Executor back = CallerLoop.currentOr(executor());
    return ctx.runner()
        .call(local)
        .thenCompose(
            a ->
                a instanceof KvReplica.LeaderAnswer.Later<T> later
                    ? later.answer().thenApplyAsync(settled -> settled, back)
                    : CompletableFuture.completedFuture(a));
  }

  String memberHex() {
    return MemberIds.hex(ctx.memberId());
  }
}
