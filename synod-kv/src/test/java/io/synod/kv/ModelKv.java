package io.synod.kv;

import io.synod.common.Bytes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A naive reference model of etcd's KV semantics: a full copy of the key space per revision. Slow
 * and obviously right; the property tests check {@link KvStateMachine} against it. The structural
 * request checks come from {@link RequestValidator} (tested on its own).
 */
final class ModelKv {
  static final long MIN_TTL = 2;

  /** {@code states.get(r - 1)} is the store at revision r. */
  final List<TreeMap<Bytes, KeyValue>> states = new ArrayList<>();

  long compact = -1;
  final TreeMap<Long, Long> leases = new TreeMap<>();

  /** One change as a watcher sees it, with the key's value at the revision before. */
  record ModelEvent(long revision, Event.Type type, KeyValue kv, Optional<KeyValue> before) {}

  /** Every change, in revision and sub-revision order. */
  final List<ModelEvent> events = new ArrayList<>();

  ModelKv() {
    states.add(new TreeMap<>());
  }

  long revision() {
    return states.size();
  }

  TreeMap<Bytes, KeyValue> latest() {
    return states.get(states.size() - 1);
  }

  static boolean inRange(Bytes k, Bytes key, Bytes end) {
    if (end.isEmpty()) {
      return k.equals(key);
    }
    if (end.size() == 1 && end.byteAt(0) == 0) {
      return k.compareTo(key) >= 0;
    }
    return k.compareTo(key) >= 0 && k.compareTo(end) < 0;
  }

  static List<KeyValue> select(TreeMap<Bytes, KeyValue> state, Bytes key, Bytes end) {
    List<KeyValue> out = new ArrayList<>();
    for (KeyValue kv : state.values()) {
      if (inRange(kv.key(), key, end)) {
        out.add(kv);
      }
    }
    return out;
  }

  KvResponse apply(KvCommand c, long index) {
    Optional<KvError> invalid = RequestValidator.checkStructure(c);
    if (invalid.isPresent()) {
      return new KvResponse.Error(invalid.get());
    }
    if (c instanceof KvCommand.Put p) {
      if (p.lease() != 0 && !leases.containsKey(p.lease())) {
        return new KvResponse.Error(KvError.LEASE_NOT_FOUND);
      }
      if ((p.ignoreValue() || p.ignoreLease()) && !latest().containsKey(p.key())) {
        return new KvResponse.Error(KvError.KEY_NOT_FOUND);
      }
      TreeMap<Bytes, KeyValue> next = new TreeMap<>(latest());
      Optional<KeyValue> prev = put(next, p, revision() + 1);
      states.add(next);
      return new KvResponse.Put(revision(), p.prevKv() ? prev : Optional.empty());
    }
    if (c instanceof KvCommand.DeleteRange d) {
      TreeMap<Bytes, KeyValue> next = new TreeMap<>(latest());
      List<KeyValue> gone = delete(next, d.key(), d.rangeEnd());
      if (!gone.isEmpty()) {
        states.add(next);
      }
      return new KvResponse.DeleteRange(revision(), gone.size(), d.prevKv() ? gone : List.of());
    }
    if (c instanceof KvCommand.Txn t) {
      return txn(t);
    }
    if (c instanceof KvCommand.Compact k) {
      if (k.revision() <= compact) {
        return new KvResponse.Error(KvError.COMPACTED);
      }
      if (k.revision() > revision()) {
        return new KvResponse.Error(KvError.FUTURE_REVISION);
      }
      compact = k.revision();
      return new KvResponse.Compact(revision());
    }
    if (c instanceof KvCommand.LeaseGrant g) {
      return grant(g, index);
    }
    if (c instanceof KvCommand.LeaseRevoke r) {
      return revoke(r.id());
    }
    return new KvResponse.LeaseCheckpoint(revision());
  }

  private Optional<KeyValue> put(TreeMap<Bytes, KeyValue> state, KvCommand.Put p, long rev) {
    KeyValue old = state.get(p.key());
    Bytes value = p.ignoreValue() ? old.value() : p.value();
    long lease = p.ignoreLease() ? old.lease() : p.lease();
    KeyValue kv =
        old == null
            ? new KeyValue(p.key(), rev, rev, 1, value, lease)
            : new KeyValue(p.key(), old.createRevision(), rev, old.version() + 1, value, lease);
    state.put(p.key(), kv);
    events.add(new ModelEvent(rev, Event.Type.PUT, kv, Optional.ofNullable(latest().get(p.key()))));
    return Optional.ofNullable(old);
  }

  private List<KeyValue> delete(TreeMap<Bytes, KeyValue> state, Bytes key, Bytes end) {
    List<KeyValue> gone = select(state, key, end);
    long rev = revision() + 1;
    for (KeyValue kv : gone) {
      state.remove(kv.key());
      KeyValue tombstone = new KeyValue(kv.key(), 0, rev, 0, Bytes.EMPTY, 0);
      events.add(
          new ModelEvent(
              rev, Event.Type.DELETE, tombstone, Optional.ofNullable(latest().get(kv.key()))));
    }
    return gone;
  }

  private KvResponse grant(KvCommand.LeaseGrant g, long index) {
    if (g.ttlSeconds() > 9_000_000_000L) {
      return new KvResponse.Error(KvError.LEASE_TTL_TOO_LARGE);
    }
    long id = g.id();
    for (int attempt = 0; id == 0; attempt++) {
      long candidate = Applier.pickLeaseIdCandidate(index, attempt);
      if (candidate != 0 && !leases.containsKey(candidate)) {
        id = candidate;
      }
    }
    if (leases.containsKey(id)) {
      return new KvResponse.Error(KvError.LEASE_EXISTS);
    }
    long ttl = Math.max(MIN_TTL, g.ttlSeconds());
    leases.put(id, ttl);
    return new KvResponse.LeaseGrant(revision(), id, ttl);
  }

  private KvResponse revoke(long id) {
    if (!leases.containsKey(id)) {
      return new KvResponse.Error(KvError.LEASE_NOT_FOUND);
    }
    TreeMap<Bytes, KeyValue> next = new TreeMap<>(latest());
    boolean changed = false;
    for (KeyValue kv : latest().values()) {
      if (kv.lease() == id) {
        delete(next, kv.key(), Bytes.EMPTY);
        changed = true;
      }
    }
    if (changed) {
      states.add(next);
    }
    leases.remove(id);
    return new KvResponse.LeaseRevoke(revision());
  }

  // --- Range ------------------------------------------------------------------------------------

  KvResponse range(RangeRequest r) {
    if (r.key().isEmpty()) {
      return new KvResponse.Error(KvError.KEY_NOT_PROVIDED);
    }
    return range(r, revision(), latest());
  }

  /** A range with {@code current} as "now" and {@code now} as the state at revision 0. */
  KvResponse range(RangeRequest r, long current, TreeMap<Bytes, KeyValue> now) {
    if (r.revision() > current) {
      return new KvResponse.Error(KvError.FUTURE_REVISION);
    }
    if (r.revision() > 0 && r.revision() < compact) {
      return new KvResponse.Error(KvError.COMPACTED);
    }
    TreeMap<Bytes, KeyValue> state =
        r.revision() <= 0 || r.revision() == current ? now : states.get((int) r.revision() - 1);
    List<KeyValue> all = select(state, r.key(), r.rangeEnd());
    if (r.countOnly()) {
      return new KvResponse.Range(current, List.of(), false, all.size());
    }
    List<KeyValue> kept = new ArrayList<>();
    for (KeyValue kv : all) {
      if ((r.minModRevision() == 0 || kv.modRevision() >= r.minModRevision())
          && (r.maxModRevision() == 0 || kv.modRevision() <= r.maxModRevision())
          && (r.minCreateRevision() == 0 || kv.createRevision() >= r.minCreateRevision())
          && (r.maxCreateRevision() == 0 || kv.createRevision() <= r.maxCreateRevision())) {
        kept.add(kv);
      }
    }
    RangeRequest.SortOrder order = r.sortOrder();
    if (order == RangeRequest.SortOrder.NONE && r.sortTarget() != RangeRequest.SortTarget.KEY) {
      order = RangeRequest.SortOrder.ASCEND;
    }
    if (order != RangeRequest.SortOrder.NONE) {
      Comparator<KeyValue> by =
          switch (r.sortTarget()) {
            case KEY -> Comparator.comparing(KeyValue::key);
            case VERSION -> Comparator.comparingLong(KeyValue::version);
            case CREATE -> Comparator.comparingLong(KeyValue::createRevision);
            case MOD -> Comparator.comparingLong(KeyValue::modRevision);
            case VALUE -> Comparator.comparing(KeyValue::value);
          };
      kept.sort(order == RangeRequest.SortOrder.DESCEND ? by.reversed() : by);
    }
    boolean more = r.limit() > 0 && kept.size() > r.limit();
    if (more) {
      kept = new ArrayList<>(kept.subList(0, (int) r.limit()));
    }
    if (r.keysOnly()) {
      kept.replaceAll(KeyValue::withoutValue);
    }
    return new KvResponse.Range(current, kept, more, all.size());
  }

  // --- Txn --------------------------------------------------------------------------------------

  private boolean compare(Compare c, TreeMap<Bytes, KeyValue> state) {
    List<KeyValue> found = select(state, c.key(), c.rangeEnd());
    if (found.isEmpty()) {
      if (c.target() == Compare.Target.VALUE) {
        return false;
      }
      found = List.of(new KeyValue(c.key(), 0, 0, 0, Bytes.EMPTY, 0));
    }
    for (KeyValue kv : found) {
      int result =
          switch (c.target()) {
            case VERSION -> Long.compare(kv.version(), c.number());
            case CREATE -> Long.compare(kv.createRevision(), c.number());
            case MOD -> Long.compare(kv.modRevision(), c.number());
            case LEASE -> Long.compare(kv.lease(), c.number());
            case VALUE -> kv.value().compareTo(c.value());
          };
      boolean ok =
          switch (c.result()) {
            case EQUAL -> result == 0;
            case NOT_EQUAL -> result != 0;
            case GREATER -> result > 0;
            case LESS -> result < 0;
          };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private List<RequestOp> branch(KvCommand.Txn t, TreeMap<Bytes, KeyValue> before) {
    for (Compare c : t.compares()) {
      if (!compare(c, before)) {
        return t.failure();
      }
    }
    return t.success();
  }

  private Optional<KvError> check(KvCommand.Txn t, TreeMap<Bytes, KeyValue> before, boolean puts) {
    for (RequestOp op : branch(t, before)) {
      Optional<KvError> e = Optional.empty();
      if (op instanceof RequestOp.Txn n) {
        e = check(n.request(), before, puts);
      } else if (puts && op instanceof RequestOp.Put p) {
        KvCommand.Put put = p.request();
        if ((put.ignoreValue() || put.ignoreLease()) && !before.containsKey(put.key())) {
          e = Optional.of(KvError.KEY_NOT_FOUND);
        } else if (put.lease() != 0 && !leases.containsKey(put.lease())) {
          e = Optional.of(KvError.LEASE_NOT_FOUND);
        }
      } else if (!puts && op instanceof RequestOp.Range q && q.request().revision() != 0) {
        if (q.request().revision() > revision()) {
          e = Optional.of(KvError.FUTURE_REVISION);
        } else if (q.request().revision() < compact) {
          e = Optional.of(KvError.COMPACTED);
        }
      }
      if (e.isPresent()) {
        return e;
      }
    }
    return Optional.empty();
  }

  private KvResponse txn(KvCommand.Txn t) {
    TreeMap<Bytes, KeyValue> before = latest();
    Optional<KvError> e = check(t, before, true);
    if (e.isEmpty()) {
      e = check(t, before, false);
    }
    if (e.isPresent()) {
      return new KvResponse.Error(e.get());
    }
    TreeMap<Bytes, KeyValue> work = new TreeMap<>(before);
    boolean[] changed = {false};
    boolean ok = allHold(t, before);
    List<KvResponse> responses = run(t, before, work, changed);
    if (changed[0]) {
      states.add(work);
    }
    return new KvResponse.Txn(revision(), ok, responses);
  }

  private boolean allHold(KvCommand.Txn t, TreeMap<Bytes, KeyValue> before) {
    for (Compare c : t.compares()) {
      if (!compare(c, before)) {
        return false;
      }
    }
    return true;
  }

  private List<KvResponse> run(
      KvCommand.Txn t,
      TreeMap<Bytes, KeyValue> before,
      TreeMap<Bytes, KeyValue> work,
      boolean[] changed) {
    long begin = revision();
    List<KvResponse> out = new ArrayList<>();
    for (RequestOp op : branch(t, before)) {
      if (op instanceof RequestOp.Range q) {
        out.add(range(q.request(), changed[0] ? begin + 1 : begin, work));
      } else if (op instanceof RequestOp.Put p) {
        Optional<KeyValue> prev = put(work, p.request(), begin + 1);
        changed[0] = true;
        out.add(new KvResponse.Put(begin + 1, p.request().prevKv() ? prev : Optional.empty()));
      } else if (op instanceof RequestOp.DeleteRange d) {
        List<KeyValue> gone = delete(work, d.request().key(), d.request().rangeEnd());
        changed[0] |= !gone.isEmpty();
        out.add(
            new KvResponse.DeleteRange(
                changed[0] ? begin + 1 : begin,
                gone.size(),
                d.request().prevKv() ? gone : List.of()));
      } else {
        KvCommand.Txn n = ((RequestOp.Txn) op).request();
        out.add(new KvResponse.Txn(0, allHold(n, before), run(n, before, work, changed)));
      }
    }
    return out;
  }

  /** Every key-value at {@code rev}, for whole-state comparisons. */
  Map<Bytes, KeyValue> stateAt(long rev) {
    return states.get((int) rev - 1);
  }
}
