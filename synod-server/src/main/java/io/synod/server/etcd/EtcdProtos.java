package io.synod.server.etcd;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.ResponseOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.synod.common.Bytes;
import io.synod.kv.Compare;
import io.synod.kv.Event;
import io.synod.kv.KeyValue;
import io.synod.kv.KvCommand;
import io.synod.kv.KvResponse;
import io.synod.kv.RangeRequest;
import io.synod.kv.RequestOp;
import io.synod.kv.WatchRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * The API edge's conversions: etcd's protobuf messages (jetcd's generated classes) to synod-kv's
 * records and back. Nothing below this class sees a protobuf type. Stateless.
 */
final class EtcdProtos {
  private EtcdProtos() {}

  static Bytes bytes(ByteString s) {
    return s.isEmpty() ? Bytes.EMPTY : Bytes.wrapOwned(s.toByteArray());
  }

  static ByteString bytes(Bytes b) {
    return b.isEmpty() ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(b.toByteArray());
  }

  // ---------------------------------------------------------------------------------------------
  // Requests

  static RangeRequest range(io.etcd.jetcd.api.RangeRequest r) {
    RangeRequest.SortOrder[] orders = RangeRequest.SortOrder.values();
    RangeRequest.SortTarget[] targets = RangeRequest.SortTarget.values();
    int order = r.getSortOrderValue();
    int target = r.getSortTargetValue();
    return new RangeRequest(
        bytes(r.getKey()),
        bytes(r.getRangeEnd()),
        r.getLimit(),
        r.getRevision(),
        order >= 0 && order < orders.length ? orders[order] : RangeRequest.SortOrder.NONE,
        target >= 0 && target < targets.length ? targets[target] : RangeRequest.SortTarget.KEY,
        r.getSerializable(),
        r.getKeysOnly(),
        r.getCountOnly(),
        r.getMinModRevision(),
        r.getMaxModRevision(),
        r.getMinCreateRevision(),
        r.getMaxCreateRevision());
  }

  static KvCommand.Put put(PutRequest p) {
    return new KvCommand.Put(
        bytes(p.getKey()),
        bytes(p.getValue()),
        p.getLease(),
        p.getPrevKv(),
        p.getIgnoreValue(),
        p.getIgnoreLease());
  }

  static KvCommand.DeleteRange delete(DeleteRangeRequest d) {
    return new KvCommand.DeleteRange(bytes(d.getKey()), bytes(d.getRangeEnd()), d.getPrevKv());
  }

  static KvCommand.Compact compact(CompactionRequest c) {
    return new KvCommand.Compact(c.getRevision(), c.getPhysical());
  }

  static KvCommand.Txn txn(TxnRequest t) {
    List<Compare> compares = new ArrayList<>(t.getCompareCount());
    for (io.etcd.jetcd.api.Compare c : t.getCompareList()) {
      compares.add(compare(c));
    }
    return new KvCommand.Txn(compares, ops(t.getSuccessList()), ops(t.getFailureList()));
  }

  private static Compare compare(io.etcd.jetcd.api.Compare c) {
    Compare.Result[] results = Compare.Result.values();
    int result = c.getResultValue();
    int targetValue = c.getTargetValue();
    Compare.Target target =
        targetValue >= 0 && targetValue < Compare.Target.values().length
            ? Compare.Target.values()[targetValue]
            : Compare.Target.VERSION;
    long number =
        switch (target) {
          case VERSION -> c.getVersion();
          case CREATE -> c.getCreateRevision();
          case MOD -> c.getModRevision();
          case LEASE -> EtcdSchema.unknownVarint(c.getUnknownFields(), EtcdSchema.COMPARE_LEASE);
          case VALUE -> 0;
        };
    return new Compare(
        result >= 0 && result < results.length ? results[result] : Compare.Result.EQUAL,
        target,
        bytes(c.getKey()),
        bytes(c.getRangeEnd()),
        number,
        bytes(c.getValue()));
  }

  private static List<RequestOp> ops(List<io.etcd.jetcd.api.RequestOp> ops) {
    List<RequestOp> out = new ArrayList<>(ops.size());
    for (io.etcd.jetcd.api.RequestOp op : ops) {
      switch (op.getRequestCase()) {
        case REQUEST_RANGE -> out.add(new RequestOp.Range(range(op.getRequestRange())));
        case REQUEST_PUT -> out.add(new RequestOp.Put(put(op.getRequestPut())));
        case REQUEST_DELETE_RANGE ->
            out.add(new RequestOp.DeleteRange(delete(op.getRequestDeleteRange())));
        case REQUEST_TXN -> out.add(new RequestOp.Txn(txn(op.getRequestTxn())));
        default -> {
          // etcd: an empty RequestOp is skipped (no response for it).
        }
      }
    }
    return out;
  }

  /** etcd's WatchCreateRequest (watch_id and fragment travel as unknown fields of jetcd's type). */
  static WatchRequest watch(WatchCreateRequest c) {
    boolean noPut = false;
    boolean noDelete = false;
    for (int f : c.getFiltersValueList()) {
      noPut |= f == WatchCreateRequest.FilterType.NOPUT_VALUE;
      noDelete |= f == WatchCreateRequest.FilterType.NODELETE_VALUE;
    }
    return new WatchRequest(
        bytes(c.getKey()),
        bytes(c.getRangeEnd()),
        c.getStartRevision(),
        c.getProgressNotify(),
        noPut,
        noDelete,
        c.getPrevKv(),
        EtcdSchema.unknownVarint(c.getUnknownFields(), EtcdSchema.WATCH_CREATE_WATCH_ID),
        EtcdSchema.unknownVarint(c.getUnknownFields(), EtcdSchema.WATCH_CREATE_FRAGMENT) != 0);
  }

  // ---------------------------------------------------------------------------------------------
  // Responses

  static io.etcd.jetcd.api.KeyValue kv(KeyValue kv) {
    io.etcd.jetcd.api.KeyValue.Builder b =
        io.etcd.jetcd.api.KeyValue.newBuilder()
            .setKey(bytes(kv.key()))
            .setCreateRevision(kv.createRevision())
            .setModRevision(kv.modRevision())
            .setVersion(kv.version())
            .setValue(bytes(kv.value()))
            .setLease(kv.lease());
    return b.build();
  }

  static io.etcd.jetcd.api.Event event(Event e) {
    io.etcd.jetcd.api.Event.Builder b =
        io.etcd.jetcd.api.Event.newBuilder()
            .setType(
                e.type() == Event.Type.PUT
                    ? io.etcd.jetcd.api.Event.EventType.PUT
                    : io.etcd.jetcd.api.Event.EventType.DELETE)
            .setKv(kv(e.kv()));
    e.prevKv().ifPresent(p -> b.setPrevKv(kv(p)));
    return b.build();
  }

  static RangeResponse range(KvResponse.Range r, ResponseHeader header) {
    RangeResponse.Builder b =
        RangeResponse.newBuilder().setHeader(header).setMore(r.more()).setCount(r.count());
    for (KeyValue kv : r.kvs()) {
      b.addKvs(kv(kv));
    }
    return b.build();
  }

  static PutResponse put(KvResponse.Put p, ResponseHeader header) {
    PutResponse.Builder b = PutResponse.newBuilder().setHeader(header);
    p.prevKv().ifPresent(kv -> b.setPrevKv(kv(kv)));
    return b.build();
  }

  static DeleteRangeResponse delete(KvResponse.DeleteRange d, ResponseHeader header) {
    DeleteRangeResponse.Builder b =
        DeleteRangeResponse.newBuilder().setHeader(header).setDeleted(d.deleted());
    for (KeyValue kv : d.prevKvs()) {
      b.addPrevKvs(kv(kv));
    }
    return b.build();
  }

  /**
   * A TxnResponse: the top-level header is full; responses nested inside carry a header holding
   * only their revision, and a nested txn an empty header (etcd-api.md §1, observed).
   */
  static TxnResponse txn(KvResponse.Txn t, ResponseHeader header) {
    TxnResponse.Builder b = TxnResponse.newBuilder().setHeader(header).setSucceeded(t.succeeded());
    for (KvResponse r : t.responses()) {
      ResponseOp.Builder op = ResponseOp.newBuilder();
      if (r instanceof KvResponse.Range q) {
        op.setResponseRange(range(q, revisionOnly(q.revision())));
      } else if (r instanceof KvResponse.Put p) {
        op.setResponsePut(put(p, revisionOnly(p.revision())));
      } else if (r instanceof KvResponse.DeleteRange d) {
        op.setResponseDeleteRange(delete(d, revisionOnly(d.revision())));
      } else {
        op.setResponseTxn(txn((KvResponse.Txn) r, ResponseHeader.getDefaultInstance()));
      }
      b.addResponses(op);
    }
    return b.build();
  }

  private static ResponseHeader revisionOnly(long revision) {
    return ResponseHeader.newBuilder().setRevision(revision).build();
  }
}
