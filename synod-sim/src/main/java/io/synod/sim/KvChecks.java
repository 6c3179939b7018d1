package io.synod.sim;

import io.synod.common.Bytes;
import io.synod.kv.Compare;
import io.synod.kv.KeyValue;
import io.synod.kv.KvCommand;
import io.synod.kv.KvResponse;
import io.synod.kv.RangeRequest;
import io.synod.kv.RequestOp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Checks every answer a client gets against the committed history ({@link ReferenceKv}), which the
 * per-key linearizability check cannot see whole:
 *
 * <ul>
 *   <li>a read (linearizable or serializable, alone or inside a Txn) returns exactly the committed
 *       state of its whole range at its header revision: the same keys, values, versions, create
 *       and mod revisions and leases, count and more (atomic multi-key reads, no revision from the
 *       future);
 *   <li>a write's answer is its own committed effect: a Put's revision holds its value, its prev_kv
 *       is what the key held just before; a DeleteRange deleted exactly what lived in its range; a
 *       Txn's compares held (or not) on the committed state it was applied to;
 *   <li>revisions order linearizable operations: an operation that starts after another completed
 *       carries a revision at least as high (strictly higher for a write that changed something),
 *       so no linearizable read goes back in time, across keys too.
 * </ul>
 *
 * <p>{@code what} arguments name the operation for a failure message; their {@code toString()} is
 * called only when a check fails. Owned by the simulation thread.
 */
final class KvChecks {
  private final ReferenceKv reference;
  private long completedRevisionMax;
  private long checkedReads;
  private long checkedWrites;

  KvChecks(ReferenceKv reference) {
    this.reference = reference;
  }

  long checkedReads() {
    return checkedReads;
  }

  long checkedWrites() {
    return checkedWrites;
  }

  /** The revision every linearizable operation called now must reach. */
  long revisionFloor() {
    return completedRevisionMax;
  }

  /** A linearizable operation called when the floor was {@code floor} completed at {@code r}. */
  void onLinearizable(Object what, long revision, long floor, boolean changed) {
    if (revision < floor || (changed && revision == floor)) {
      throw fail(
          "%s completed at revision %d, but an operation that completed before it was called had"
              + " revision %d",
          what, revision, floor);
    }
    completedRevisionMax = Math.max(completedRevisionMax, revision);
  }

  /** A Range at the current revision: its kvs must be the committed range at its header. */
  void checkRange(Object what, RangeRequest request, KvResponse.Range r) {
    checkedReads++;
    long at = r.revision();
    if (at > reference.revision()) {
      throw fail("%s read revision %d, beyond the committed %d", what, at, reference.revision());
    }
    List<KeyValue> all = reference.range(request.key(), request.rangeEnd(), at);
    long limit = request.limit() > 0 ? request.limit() : Long.MAX_VALUE;
    List<KeyValue> expected = all.size() > limit ? all.subList(0, (int) limit) : all;
    if (!r.kvs().equals(expected) || r.count() != all.size() || r.more() != all.size() > limit) {
      throw fail(
          "%s at revision %d returned %s (count %d, more %b); the committed state there is %s",
          what, at, r.kvs(), r.count(), r.more(), all);
    }
  }

  void checkPut(Object what, KvCommand.Put p, KvResponse.Put r) {
    checkedWrites++;
    long at = r.revision();
    KeyValue kv = reference.liveAt(p.key(), at);
    if (kv == null
        || kv.modRevision() != at
        || !kv.value().equals(p.value())
        || kv.lease() != p.lease()) {
      throw fail(
          "%s answered revision %d, but the committed %s there is %s", what, at, p.key(), kv);
    }
    Optional<KeyValue> before = Optional.ofNullable(reference.liveAt(p.key(), at - 1));
    if (p.prevKv() && !r.prevKv().equals(before)) {
      throw fail("%s answered prev_kv %s, the key held %s", what, r.prevKv(), before);
    }
  }

  void checkDelete(Object what, KvCommand.DeleteRange d, KvResponse.DeleteRange r) {
    checkedWrites++;
    long at = r.revision();
    List<KeyValue> deleted =
        r.deleted() == 0 ? List.of() : reference.range(d.key(), d.rangeEnd(), at - 1);
    if (r.deleted() != deleted.size() || !reference.range(d.key(), d.rangeEnd(), at).isEmpty()) {
      throw fail(
          "%s answered %d deleted at revision %d; the committed range held %s before and %s after",
          what,
          r.deleted(),
          at,
          reference.range(d.key(), d.rangeEnd(), at - 1),
          reference.range(d.key(), d.rangeEnd(), at));
    }
    if (d.prevKv() && !r.prevKvs().equals(deleted)) {
      throw fail("%s answered prev_kvs %s, it deleted %s", what, r.prevKvs(), deleted);
    }
  }

  /**
   * A Txn of single-key compares, a success branch of puts and a failure branch of ranges (what the
   * simulated clients send).
   */
  void checkTxn(Object what, KvCommand.Txn t, KvResponse.Txn r) {
    checkedWrites++;
    long at = r.revision();
    boolean writes = r.succeeded() && !t.success().isEmpty();
    long before = writes ? at - 1 : at;
    boolean hold = true;
    for (Compare c : t.compares()) {
      hold &= holds(c, reference.liveAt(c.key(), before));
    }
    if (hold != r.succeeded()) {
      throw fail(
          "%s %s at revision %d, but its compares %s on the committed state",
          what, r.succeeded() ? "succeeded" : "failed", at, hold ? "hold" : "do not hold");
    }
    List<RequestOp> ops = r.succeeded() ? t.success() : t.failure();
    if (ops.size() != r.responses().size()) {
      throw fail(
          "%s answered %d responses for %d operations", what, r.responses().size(), ops.size());
    }
    for (int i = 0; i < ops.size(); i++) {
      KvResponse response = r.responses().get(i);
      if (ops.get(i) instanceof RequestOp.Put p && response instanceof KvResponse.Put put) {
        if (put.revision() != at) {
          throw fail("%s: its put answered revision %d, the txn %d", what, put.revision(), at);
        }
        checkPut(what, p.request(), put);
      } else if (ops.get(i) instanceof RequestOp.Range q
          && response instanceof KvResponse.Range range) {
        checkRange(what, q.request(), range);
      } else {
        throw fail("%s answered %s for %s", what, response, ops.get(i));
      }
    }
  }

  /** etcd's compare on one key (a missing key has version, create and mod 0; VALUE is false). */
  static boolean holds(Compare c, KeyValue kv) {
    if (c.target() == Compare.Target.VALUE && kv == null) {
      return false;
    }
    int result =
        switch (c.target()) {
          case VERSION -> Long.compare(kv == null ? 0 : kv.version(), c.number());
          case CREATE -> Long.compare(kv == null ? 0 : kv.createRevision(), c.number());
          case MOD -> Long.compare(kv == null ? 0 : kv.modRevision(), c.number());
          case LEASE -> Long.compare(kv == null ? 0 : kv.lease(), c.number());
          case VALUE -> kv.value().compareTo(c.value());
        };
    return switch (c.result()) {
      case EQUAL -> result == 0;
      case NOT_EQUAL -> result != 0;
      case GREATER -> result > 0;
      case LESS -> result < 0;
    };
  }

  /** The keys a failure-branch or stand-alone read covered, for the history. */
  static List<Bytes> keysOf(List<KeyValue> kvs) {
    List<Bytes> out = new ArrayList<>(kvs.size());
    for (KeyValue kv : kvs) {
      out.add(kv.key());
    }
    return out;
  }

  static SimulationFailure fail(String format, Object... args) {
    return new SimulationFailure("kv: " + String.format(Locale.ROOT, format, args));
  }
}
