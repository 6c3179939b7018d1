package io.synod.bench;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.grpc.Channel;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The key-value workloads: put, linearizable and serializable range, and compare-and-swap. Each
 * client sends its requests to the channels in turn, so even a single client spreads its requests
 * over every member (etcd and Synod both forward a follower's writes to the leader).
 */
final class KvLoad implements LoadWorkload {
  /** A CAS that loses this many races in a row fails: the key space is far too small. */
  static final int CAS_RETRIES_MAX = 1_000;

  private static final int PRELOAD_KEYS_PER_TXN = 100;
  private static final int PRELOAD_TXNS_IN_FLIGHT = 8;
  private static final int PRELOAD_TRIES_MAX = 3;

  private final LoadSpec spec;
  private final EtcdChannels channels;
  private final KeySpace keys;

  KvLoad(LoadSpec spec, EtcdChannels channels, KeySpace keys) {
    this.spec = spec;
    this.channels = channels;
    this.keys = keys;
  }

  static KVGrpc.KVStub kv(Channel channel) {
    return KVGrpc.newStub(channel)
        .withDeadlineAfter(LoadRun.RPC_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  @Override
  public void setUp(long deadlineNanos) throws Unsupported, InterruptedException {
    if (spec.workload().needsPreload()) {
      preload(channels, keys, deadlineNanos);
    }
  }

  /**
   * Writes every key of the space once, in Txns of {@value #PRELOAD_KEYS_PER_TXN} puts (etcd's
   * default --max-txn-ops is 128), a few Txns in flight.
   */
  static void preload(EtcdChannels channels, KeySpace keys, long deadlineNanos)
      throws Unsupported, InterruptedException {
    int batches = (keys.size() + PRELOAD_KEYS_PER_TXN - 1) / PRELOAD_KEYS_PER_TXN;
    List<Integer> pending = new ArrayList<>();
    for (int b = 0; b < batches; b++) {
      pending.add(b);
    }
    for (int attempt = 1; attempt <= PRELOAD_TRIES_MAX && !pending.isEmpty(); attempt++) {
      List<Integer> failed = new ArrayList<>();
      Status lastFailure = Status.OK;
      for (int from = 0; from < pending.size(); from += PRELOAD_TXNS_IN_FLIGHT) {
        List<Integer> group =
            pending.subList(from, Math.min(pending.size(), from + PRELOAD_TXNS_IN_FLIGHT));
        List<Unary<TxnResponse>> calls = new ArrayList<>();
        for (int b : group) {
          TxnRequest.Builder txn = TxnRequest.newBuilder();
          int end = Math.min(keys.size(), (b + 1) * PRELOAD_KEYS_PER_TXN);
          for (int i = b * PRELOAD_KEYS_PER_TXN; i < end; i++) {
            txn.addSuccess(RequestOp.newBuilder().setRequestPut(put(keys.key(i), keys.value())));
          }
          Unary<TxnResponse> call = new Unary<>();
          kv(channels.get(b)).txn(txn.build(), call);
          calls.add(call);
        }
        for (int k = 0; k < calls.size(); k++) {
          Status s = await(calls.get(k), deadlineNanos);
          if (s.getCode() == Status.Code.UNIMPLEMENTED) {
            throw new Unsupported(LoadStats.describe(s));
          }
          if (!s.isOk()) {
            failed.add(group.get(k));
            lastFailure = s;
          }
        }
      }
      pending = failed;
      if (!pending.isEmpty() && attempt == PRELOAD_TRIES_MAX) {
        throw new IllegalStateException(
            "preload: " + pending.size() + " Txns failed, last " + LoadStats.describe(lastFailure));
      }
    }
  }

  /** Waits for {@code call} until the deadline; its status (OK on success). */
  static Status await(CompletableFuture<?> call, long deadlineNanos) throws InterruptedException {
    long left = deadlineNanos - System.nanoTime();
    if (left <= 0) {
      throw new IllegalStateException("set-up ran past its deadline");
    }
    try {
      call.get(left, TimeUnit.NANOSECONDS);
      return Status.OK;
    } catch (ExecutionException e) {
      return Unary.statusOf(e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("set-up ran past its deadline", e);
    }
  }

  static PutRequest put(ByteString key, ByteString value) {
    return PutRequest.newBuilder().setKey(key).setValue(value).build();
  }

  @Override
  public ClientOp client(int index) {
    SplittableRandom random = new SplittableRandom(spec.seed() * 1_000_003L + index);
    Rotation rotation = new Rotation(channels, index);
    return switch (spec.workload()) {
      case PUT ->
          start -> {
            Unary<PutResponse> done = new Unary<>();
            kv(rotation.next()).put(put(keys.random(random), keys.value()), done);
            return done.thenApply(r -> 0);
          };
      case RANGE, RANGE_SERIALIZABLE -> {
        boolean serializable = spec.workload() == Workload.RANGE_SERIALIZABLE;
        yield start -> {
          Unary<RangeResponse> done = new Unary<>();
          kv(rotation.next()).range(range(keys.random(random), serializable), done);
          return done.thenApply(r -> 0);
        };
      }
      case TXN_CAS -> start -> cas(rotation.next(), keys.random(random));
      default -> throw new IllegalArgumentException("not a key-value workload: " + spec.workload());
    };
  }

  static RangeRequest range(ByteString key, boolean serializable) {
    return RangeRequest.newBuilder().setKey(key).setSerializable(serializable).build();
  }

  /**
   * Reads the key, then swaps it in a Txn guarded by the mod_revision read; retries on a lost race.
   */
  private CompletableFuture<Integer> cas(Channel channel, ByteString key) {
    Unary<RangeResponse> read = new Unary<>();
    kv(channel).range(range(key, false), read);
    return read.thenCompose(r -> attemptCas(channel, key, modRevision(r.getKvsList()), 0));
  }

  private CompletableFuture<Integer> attemptCas(
      Channel channel, ByteString key, long modRevision, int retries) {
    TxnRequest txn =
        TxnRequest.newBuilder()
            .addCompare(
                Compare.newBuilder()
                    .setKey(key)
                    .setTarget(Compare.CompareTarget.MOD)
                    .setResult(Compare.CompareResult.EQUAL)
                    .setModRevision(modRevision))
            .addSuccess(RequestOp.newBuilder().setRequestPut(put(key, keys.value())))
            .addFailure(RequestOp.newBuilder().setRequestRange(range(key, false)))
            .build();
    Unary<TxnResponse> done = new Unary<>();
    kv(channel).txn(txn, done);
    return done.thenCompose(
        r -> {
          if (r.getSucceeded()) {
            return CompletableFuture.completedFuture(retries);
          }
          if (retries >= CAS_RETRIES_MAX || r.getResponsesCount() != 1) {
            return CompletableFuture.failedFuture(
                Status.ABORTED
                    .withDescription("compare-and-swap lost " + (retries + 1) + " races in a row")
                    .asException());
          }
          long current = modRevision(r.getResponses(0).getResponseRange().getKvsList());
          return attemptCas(channel, key, current, retries + 1);
        });
  }

  /** etcd compares a missing key's mod_revision as 0. */
  private static long modRevision(List<KeyValue> kvs) {
    return kvs.isEmpty() ? 0 : kvs.get(0).getModRevision();
  }

  @Override
  public void close() {}

  /** One client's turn through the channels: its n-th request goes to channel index + n. */
  static final class Rotation {
    private final EtcdChannels channels;
    private long next;

    Rotation(EtcdChannels channels, int index) {
      this.channels = channels;
      this.next = index;
    }

    Channel next() {
      return channels.get(next++);
    }
  }
}
