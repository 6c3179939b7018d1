package io.synod.kv;

import io.synod.common.Assert;
import io.synod.common.Bytes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Applies one {@link KvCommand} to the {@link MvccStore} and the {@link LeaseTable}, with etcd's
 * semantics (etcd {@code etcdserver/apply.go}). Every failure is decided before anything changes,
 * so a failed command has no effect; it is answered with a {@link KvResponse.Error}.
 *
 * <p>Confined to the replica loop's thread.
 */
final class Applier {
  private final MvccStore store;
  private final LeaseTable leases;
  private final long minLeaseTtlSeconds;
  private final boolean revokeKeepsLastKey;

  Applier(MvccStore store, LeaseTable leases, long minLeaseTtlSeconds, boolean revokeKeepsLastKey) {
    this.store = store;
    this.leases = leases;
    this.minLeaseTtlSeconds = minLeaseTtlSeconds;
    this.revokeKeepsLastKey = revokeKeepsLastKey;
  }

  /** Applies {@code command}, committed at log {@code index} (used to pick lease ids). */
  KvResponse apply(KvCommand command, long index) {
    Optional<KvError> invalid = RequestValidator.checkStructure(command);
    if (invalid.isPresent()) {
      return new KvResponse.Error(invalid.get());
    }
    if (command instanceof KvCommand.Put p) {
      return put(p);
    } else if (command instanceof KvCommand.DeleteRange d) {
      return deleteRange(d);
    } else if (command instanceof KvCommand.Txn t) {
      return new TxnRun(t).apply();
    } else if (command instanceof KvCommand.Compact c) {
      Optional<KvError> error = store.compact(c.revision());
      return error.isPresent()
          ? new KvResponse.Error(error.get())
          : new KvResponse.Compact(store.revision());
    } else if (command instanceof KvCommand.LeaseGrant g) {
      return grant(g, index);
    } else if (command instanceof KvCommand.LeaseRevoke r) {
      return revoke(r.id());
    } else {
      KvCommand.LeaseCheckpoint cp = (KvCommand.LeaseCheckpoint) command;
      for (KvCommand.Checkpoint c : cp.checkpoints()) {
        leases.checkpoint(c.id(), c.remainingTtlMillis());
      }
      return new KvResponse.LeaseCheckpoint(store.revision());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Put and DeleteRange

  private KvResponse put(KvCommand.Put p) {
    // etcd checks the lease before the key (applierV3backend.Put outside a txn).
    if (p.lease() != 0 && !leases.contains(p.lease())) {
      return new KvResponse.Error(KvError.LEASE_NOT_FOUND);
    }
    if ((p.ignoreValue() || p.ignoreLease()) && store.latest(p.key()) == null) {
      return new KvResponse.Error(KvError.KEY_NOT_FOUND);
    }
    store.beginWrite();
    Optional<KeyValue> prev = doPut(p);
    return new KvResponse.Put(store.endWrite(), p.prevKv() ? prev : Optional.empty());
  }

  /** Writes a put whose checks passed; returns the previous key-value. */
  private Optional<KeyValue> doPut(KvCommand.Put p) {
    Version old = store.latest(p.key());
    Assert.that(old != null || !(p.ignoreValue() || p.ignoreLease()), "ignore flag on %s", p.key());
    Bytes value = p.ignoreValue() ? old.value : p.value();
    long lease = p.ignoreLease() ? old.lease : p.lease();
    Version v = store.put(p.key(), value, lease);
    if (old != null && old.lease != 0) {
      leases.detach(old.lease, v.key);
    }
    if (lease != 0) {
      leases.attach(lease, v.key);
    }
    return old == null ? Optional.empty() : Optional.of(old.toKeyValue());
  }

  private KvResponse deleteRange(KvCommand.DeleteRange d) {
    store.beginWrite();
    List<KeyValue> prev = doDelete(d.key(), d.rangeEnd());
    long revision = store.endWrite();
    return new KvResponse.DeleteRange(revision, prev.size(), d.prevKv() ? prev : List.of());
  }

  /** Deletes every live key of the range, in key order, in the open write; returns them. */
  private List<KeyValue> doDelete(Bytes key, Bytes rangeEnd) {
    List<Version> live = new ArrayList<>();
    store.scan(key, rangeEnd, store.readRevision(), live::add);
    List<KeyValue> deleted = new ArrayList<>(live.size());
    for (Version v : live) {
      deleted.add(v.toKeyValue());
      store.delete(v.key);
      if (v.lease != 0) {
        leases.detach(v.lease, v.key);
      }
    }
    return deleted;
  }

  // ---------------------------------------------------------------------------------------------
  // Leases

  private KvResponse grant(KvCommand.LeaseGrant g, long index) {
    if (g.ttlSeconds() > LeaseTable.MAX_TTL_SECONDS) {
      return new KvResponse.Error(KvError.LEASE_TTL_TOO_LARGE);
    }
    long id = g.id() != 0 ? g.id() : pickLeaseId(index);
    if (leases.contains(id)) {
      return new KvResponse.Error(KvError.LEASE_EXISTS);
    }
    long ttl = Math.max(g.ttlSeconds(), minLeaseTtlSeconds);
    leases.grant(id, ttl);
    return new KvResponse.LeaseGrant(store.revision(), id, ttl);
  }

  /**
   * A positive id from the log index, the same on every replica (etcd draws it at the proposer and
   * logs it; here the log index plays that part). Collisions with ids chosen by clients move on to
   * the next candidate of the same sequence.
   */
  static long pickLeaseIdCandidate(long index, int attempt) {
    long z = index * 0x9E3779B97F4A7C15L + attempt * 0xBF58476D1CE4E5B9L + 0x632BE59BD9B4E5D1L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return (z ^ (z >>> 31)) & Long.MAX_VALUE;
  }

  private long pickLeaseId(long index) {
    for (int attempt = 0; ; attempt++) {
      long id = pickLeaseIdCandidate(index, attempt);
      if (id != 0 && !leases.contains(id)) {
        return id;
      }
    }
  }

  /** Deletes every key attached to the lease in one revision (DELETE events), then the lease. */
  KvResponse revoke(long id) {
    if (!leases.contains(id)) {
      return new KvResponse.Error(KvError.LEASE_NOT_FOUND);
    }
    store.beginWrite();
    List<Bytes> keys = leases.keys(id);
    for (int i = 0; i < keys.size(); i++) {
      Bytes key = keys.get(i);
      Version v = store.latest(key);
      Assert.that(v != null && v.lease == id, "key %s of lease %d is not live with it", key, id);
      if (!(revokeKeepsLastKey && i == keys.size() - 1)) { // KvPlantedBug.REVOKE_KEEPS_LAST_KEY
        store.delete(key);
      }
      leases.detach(id, key);
    }
    long revision = store.endWrite();
    leases.revoke(id);
    return new KvResponse.LeaseRevoke(revision);
  }

  // ---------------------------------------------------------------------------------------------
  // Txn

  /**
   * One Txn, as etcd runs it: every compare (nested ones too) is evaluated against the state before
   * the txn; then the chosen branches' puts (lease exists; key exists for ignore flags) and ranges
   * (revision not compacted, not in the future) are checked against that state; only then the ops
   * run, in order, under one revision.
   */
  private final class TxnRun {
    private final KvCommand.Txn txn;

    /** The branch each txn takes, in pre-order (etcd's txnPath). */
    private final List<Boolean> path = new ArrayList<>();

    private int cursor;

    TxnRun(KvCommand.Txn txn) {
      this.txn = txn;
    }

    KvResponse apply() {
      choose(txn);
      long beginRevision = store.revision();
      Optional<KvError> error = check(txn, CheckKind.PUT, beginRevision);
      if (error.isEmpty()) {
        error = check(txn, CheckKind.RANGE, beginRevision);
      }
      if (error.isPresent()) {
        return new KvResponse.Error(error.get());
      }
      store.beginWrite();
      cursor = 0;
      boolean succeeded = path.get(0);
      List<KvResponse> responses = run(txn, beginRevision);
      long revision = store.endWrite();
      return new KvResponse.Txn(revision, succeeded, responses);
    }

    private void choose(KvCommand.Txn t) {
      boolean ok = true;
      for (Compare c : t.compares()) {
        if (!TxnCompare.holds(store, c)) {
          ok = false;
          break;
        }
      }
      path.add(ok);
      for (RequestOp op : ok ? t.success() : t.failure()) {
        if (op instanceof RequestOp.Txn nested) {
          choose(nested.request());
        }
      }
    }

    private Optional<KvError> check(KvCommand.Txn root, CheckKind kind, long beginRevision) {
      cursor = 0;
      return checkBranch(root, kind, beginRevision);
    }

    private Optional<KvError> checkBranch(KvCommand.Txn t, CheckKind kind, long beginRevision) {
      boolean ok = path.get(cursor++);
      for (RequestOp op : ok ? t.success() : t.failure()) {
        Optional<KvError> error = Optional.empty();
        if (op instanceof RequestOp.Txn nested) {
          error = checkBranch(nested.request(), kind, beginRevision);
        } else if (kind == CheckKind.PUT && op instanceof RequestOp.Put p) {
          error = checkPut(p.request());
        } else if (kind == CheckKind.RANGE && op instanceof RequestOp.Range r) {
          error = checkRange(r.request().revision(), beginRevision);
        }
        if (error.isPresent()) {
          return error;
        }
      }
      return Optional.empty();
    }

    /** etcd's checkRequestPut: the key first, then the lease. */
    private Optional<KvError> checkPut(KvCommand.Put p) {
      if ((p.ignoreValue() || p.ignoreLease()) && store.latest(p.key()) == null) {
        return Optional.of(KvError.KEY_NOT_FOUND);
      }
      if (p.lease() != 0 && !leases.contains(p.lease())) {
        return Optional.of(KvError.LEASE_NOT_FOUND);
      }
      return Optional.empty();
    }

    /** etcd's checkRequestRange (note: unlike a plain Range, a negative revision is compacted). */
    private Optional<KvError> checkRange(long revision, long beginRevision) {
      if (revision == 0) {
        return Optional.empty();
      }
      if (revision > beginRevision) {
        return Optional.of(KvError.FUTURE_REVISION);
      }
      if (revision < store.compactRevision()) {
        return Optional.of(KvError.COMPACTED);
      }
      return Optional.empty();
    }

    private List<KvResponse> run(KvCommand.Txn t, long beginRevision) {
      boolean ok = path.get(cursor++);
      List<RequestOp> ops = ok ? t.success() : t.failure();
      List<KvResponse> responses = new ArrayList<>(ops.size());
      for (RequestOp op : ops) {
        responses.add(runOp(op, beginRevision));
      }
      return responses;
    }

    private KvResponse runOp(RequestOp op, long beginRevision) {
      if (op instanceof RequestOp.Range r) {
        KvResponse response = RangeQuery.run(store, r.request(), store.readRevision());
        Assert.that(!(response instanceof KvResponse.Error), "range failed after its check");
        return response;
      } else if (op instanceof RequestOp.Put p) {
        Optional<KeyValue> prev = doPut(p.request());
        return new KvResponse.Put(
            store.writeRevision(), p.request().prevKv() ? prev : Optional.empty());
      } else if (op instanceof RequestOp.DeleteRange d) {
        List<KeyValue> prev = doDelete(d.request().key(), d.request().rangeEnd());
        // etcd: the revision of the write once anything in the txn changed, else the old one.
        long revision = store.hasPendingChanges() ? store.writeRevision() : beginRevision;
        return new KvResponse.DeleteRange(
            revision, prev.size(), d.request().prevKv() ? prev : List.of());
      } else {
        RequestOp.Txn nested = (RequestOp.Txn) op;
        boolean ok = path.get(cursor);
        // etcd answers a nested txn with an empty header: revision 0.
        return new KvResponse.Txn(0, ok, run(nested.request(), beginRevision));
      }
    }
  }

  private enum CheckKind {
    PUT,
    RANGE
  }
}
