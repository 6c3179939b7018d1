package io.synod.server.etcd;

import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.CompactionResponse;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.grpc.stub.StreamObserver;
import io.synod.kv.KvCommand;
import io.synod.kv.KvError;
import io.synod.kv.KvResponse;
import io.synod.kv.RequestOp;
import io.synod.kv.RequestValidator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's {@code etcdserverpb.KV} (etcd-api.md §2): Range, Put, DeleteRange, Txn and Compact. Writes
 * go through the log (a follower's proposals are forwarded to the leader); a Range is linearizable
 * (ReadIndex) unless serializable; a Txn that writes nothing is served like a read, as etcd does.
 * Each method returns a future of the response, shared by the gRPC service and the JSON gateway.
 * Safe from any thread.
 */
final class KvService implements KVGrpc.AsyncService {
  private final EtcdEdge edge;

  KvService(EtcdEdge edge) {
    this.edge = edge;
  }

  CompletableFuture<RangeResponse> range(RangeRequest request) {
    io.synod.kv.RangeRequest r = EtcdProtos.range(request);
    Optional<KvError> invalid = edge.validator.validateRange(r);
    if (invalid.isPresent()) {
      return CompletableFuture.failedFuture(EtcdErrors.of(invalid.get()));
    }
    return edge.read(r.serializable(), sm -> sm.range(r))
        .thenApply(
            resp -> {
              KvResponse.Range q = (KvResponse.Range) EtcdEdge.check(resp);
              return EtcdProtos.range(q, edge.header(q.revision()));
            });
  }

  CompletableFuture<PutResponse> put(PutRequest request) {
    return edge.write(EtcdProtos.put(request))
        .thenApply(
            resp -> {
              KvResponse.Put p = (KvResponse.Put) resp;
              return EtcdProtos.put(p, edge.header(p.revision()));
            });
  }

  CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
    return edge.write(EtcdProtos.delete(request))
        .thenApply(
            resp -> {
              KvResponse.DeleteRange d = (KvResponse.DeleteRange) resp;
              return EtcdProtos.delete(d, edge.header(d.revision()));
            });
  }

  CompletableFuture<TxnResponse> txn(TxnRequest request) {
    KvCommand.Txn txn = EtcdProtos.txn(request);
    CompletableFuture<KvResponse> result;
    if (RequestValidator.isReadOnly(txn)) {
      Optional<KvError> invalid = edge.validator.validate(txn);
      if (invalid.isPresent()) {
        return CompletableFuture.failedFuture(EtcdErrors.of(invalid.get()));
      }
      // etcd serves a read-only txn like a read: linearizable unless every range is serializable.
      boolean serializable = allSerializable(txn);
      result = edge.read(serializable, sm -> EtcdEdge.check(sm.readOnlyTxn(txn)));
    } else {
      result = edge.write(txn);
    }
    return result.thenApply(
        resp -> {
          KvResponse.Txn t = (KvResponse.Txn) resp;
          return EtcdProtos.txn(t, edge.header(t.revision()));
        });
  }

  /** etcd's isTxnSerializable: every op of both branches is a serializable range. */
  private static boolean allSerializable(KvCommand.Txn txn) {
    for (List<RequestOp> branch : List.of(txn.success(), txn.failure())) {
      for (RequestOp op : branch) {
        if (!(op instanceof RequestOp.Range r && r.request().serializable())) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * Compacts through the log. The reply comes once the compaction has been applied on the member
   * that proposed it, so {@code physical=true} (etcd: wait for the backend) holds as well.
   */
  CompletableFuture<CompactionResponse> compact(CompactionRequest request) {
    return edge.write(EtcdProtos.compact(request))
        .thenApply(
            resp ->
                CompactionResponse.newBuilder()
                    .setHeader(edge.header(((KvResponse.Compact) resp).revision()))
                    .build());
  }

  // ---------------------------------------------------------------------------------------------
  // gRPC

  @Override
  public void range(RangeRequest request, StreamObserver<RangeResponse> out) {
    Grpc.reply(() -> range(request), out);
  }

  @Override
  public void put(PutRequest request, StreamObserver<PutResponse> out) {
    Grpc.reply(() -> put(request), out);
  }

  @Override
  public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> out) {
    Grpc.reply(() -> deleteRange(request), out);
  }

  @Override
  public void txn(TxnRequest request, StreamObserver<TxnResponse> out) {
    Grpc.reply(() -> txn(request), out);
  }

  @Override
  public void compact(CompactionRequest request, StreamObserver<CompactionResponse> out) {
    Grpc.reply(() -> compact(request), out);
  }
}
