package io.synod.kv;

import io.synod.common.Bytes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The checks etcd makes at its API edge before proposing (etcd {@code v3rpc/key.go}): empty keys,
 * {@code ignore_value} with a value, {@code ignore_lease} with a lease, too many operations in a
 * txn, puts of one key twice or inside a delete range within one branch (nested txns included), and
 * the request size. They need no state, so invalid input never reaches the log.
 *
 * <p>{@link KvStateMachine} repeats the structural checks (not the configurable limits) when it
 * applies, so a command that skipped the edge is still answered deterministically.
 *
 * <p>Immutable and stateless: safe to share between threads.
 */
public final class RequestValidator {
  /** etcd's default {@code --max-txn-ops}. */
  public static final int DEFAULT_MAX_TXN_OPS = 128;

  /** etcd's default {@code --max-request-bytes} (1.5 MiB). */
  public static final int DEFAULT_MAX_REQUEST_BYTES = 1536 * 1024;

  private final int maxTxnOps;
  private final int maxRequestBytes;

  public RequestValidator(int maxTxnOps, int maxRequestBytes) {
    this.maxTxnOps = maxTxnOps;
    this.maxRequestBytes = maxRequestBytes;
  }

  public static RequestValidator defaults() {
    return new RequestValidator(DEFAULT_MAX_TXN_OPS, DEFAULT_MAX_REQUEST_BYTES);
  }

  /** Checks a Range before it is served: only the empty key. */
  public Optional<KvError> validateRange(RangeRequest request) {
    return request.key().isEmpty() ? Optional.of(KvError.KEY_NOT_PROVIDED) : Optional.empty();
  }

  /**
   * Checks a command before it is proposed, in etcd's order: the request's own checks, then (for a
   * Txn) duplicate keys, then the size of the encoded command.
   */
  public Optional<KvError> validate(KvCommand command) {
    Optional<KvError> error =
        command instanceof KvCommand.Txn t ? checkTxn(t, maxTxnOps) : checkShape(command);
    if (error.isEmpty() && command instanceof KvCommand.Txn t) {
      error = checkDuplicates(t);
    }
    if (error.isEmpty() && KvCodec.encode(command).size() > maxRequestBytes) {
      error = Optional.of(KvError.REQUEST_TOO_LARGE);
    }
    return error;
  }

  /**
   * Whether {@code txn} writes nothing in any branch, nested txns included (etcd's {@code
   * isTxnReadonly}): such a txn is served like a read, without going through the log.
   */
  public static boolean isReadOnly(KvCommand.Txn txn) {
    for (List<RequestOp> branch : List.of(txn.success(), txn.failure())) {
      for (RequestOp op : branch) {
        if (op instanceof RequestOp.Put || op instanceof RequestOp.DeleteRange) {
          return false;
        }
        if (op instanceof RequestOp.Txn nested && !isReadOnly(nested.request())) {
          return false;
        }
      }
    }
    return true;
  }

  /** The checks that do not depend on configuration, repeated at apply time. */
  static Optional<KvError> checkStructure(KvCommand command) {
    Optional<KvError> error =
        command instanceof KvCommand.Txn t ? checkTxn(t, Integer.MAX_VALUE) : checkShape(command);
    if (error.isEmpty() && command instanceof KvCommand.Txn t) {
      error = checkDuplicates(t);
    }
    return error;
  }

  private static Optional<KvError> checkShape(KvCommand command) {
    if (command instanceof KvCommand.Put p) {
      return checkPut(p);
    }
    if (command instanceof KvCommand.DeleteRange d && d.key().isEmpty()) {
      return Optional.of(KvError.KEY_NOT_PROVIDED);
    }
    return Optional.empty();
  }

  private static Optional<KvError> checkPut(KvCommand.Put p) {
    if (p.key().isEmpty()) {
      return Optional.of(KvError.KEY_NOT_PROVIDED);
    }
    if (p.ignoreValue() && !p.value().isEmpty()) {
      return Optional.of(KvError.VALUE_PROVIDED);
    }
    if (p.ignoreLease() && p.lease() != 0) {
      return Optional.of(KvError.LEASE_PROVIDED);
    }
    return Optional.empty();
  }

  /**
   * etcd's checkTxnRequest: the op count is the largest of compares, success and failure; a nested
   * txn may use only what its parent left ({@code maxOps - count}).
   */
  private static Optional<KvError> checkTxn(KvCommand.Txn t, int maxOps) {
    int count = Math.max(t.compares().size(), Math.max(t.success().size(), t.failure().size()));
    if (count > maxOps) {
      return Optional.of(KvError.TOO_MANY_TXN_OPS);
    }
    for (Compare c : t.compares()) {
      if (c.key().isEmpty()) {
        return Optional.of(KvError.KEY_NOT_PROVIDED);
      }
    }
    for (List<RequestOp> branch : List.of(t.success(), t.failure())) {
      for (RequestOp op : branch) {
        Optional<KvError> error = checkOp(op, maxOps - count);
        if (error.isPresent()) {
          return error;
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<KvError> checkOp(RequestOp op, int maxOps) {
    if (op instanceof RequestOp.Range r) {
      return r.request().key().isEmpty() ? Optional.of(KvError.KEY_NOT_PROVIDED) : Optional.empty();
    }
    if (op instanceof RequestOp.Put p) {
      return checkPut(p.request());
    }
    if (op instanceof RequestOp.DeleteRange d) {
      return checkShape(d.request());
    }
    return checkTxn(((RequestOp.Txn) op).request(), maxOps);
  }

  private static Optional<KvError> checkDuplicates(KvCommand.Txn t) {
    if (Intervals.check(t.success()) == null || Intervals.check(t.failure()) == null) {
      return Optional.of(KvError.DUPLICATE_KEY);
    }
    return Optional.empty();
  }

  /**
   * etcd's checkIntervals: the puts and delete ranges of one branch, with its nested txns. A put
   * may not repeat a key or fall inside a delete range; the success and failure branches of a
   * nested txn may put the same key (only one of them runs).
   *
   * <p>etcd compares a delete's range as a plain interval, so a {@code \0} ("from key") range end
   * matches no key. We keep that, except for puts with {@code ignore_value} or {@code ignore_lease}
   * after such a delete: etcd panics applying those (the key is gone when the put reads it), so
   * they are rejected here as duplicates.
   */
  private static final class Intervals {
    /** Keys put, with whether any of those puts ignores the value or the lease. */
    final TreeMap<Bytes, Boolean> puts = new TreeMap<>();

    final List<KvCommand.DeleteRange> dels = new ArrayList<>();

    /** The intervals of {@code ops}, or null if two of them collide. */
    static Intervals check(List<RequestOp> ops) {
      Intervals level = new Intervals();
      for (RequestOp op : ops) {
        if (op instanceof RequestOp.DeleteRange d) {
          level.dels.add(d.request());
        }
      }
      for (RequestOp op : ops) {
        if (op instanceof RequestOp.Txn nested && !level.addNested(nested.request())) {
          return null;
        }
      }
      for (RequestOp op : ops) {
        if (op instanceof RequestOp.Put p) {
          KvCommand.Put put = p.request();
          boolean ignores = put.ignoreValue() || put.ignoreLease();
          if (level.puts.containsKey(put.key()) || level.deletes(put.key(), ignores)) {
            return null;
          }
          level.puts.put(put.key(), ignores);
        }
      }
      return level;
    }

    private boolean addNested(KvCommand.Txn txn) {
      Intervals then = check(txn.success());
      Intervals orElse = then == null ? null : check(txn.failure());
      if (orElse == null) {
        return false;
      }
      for (var e : then.puts.entrySet()) {
        if (puts.containsKey(e.getKey()) || deletes(e.getKey(), e.getValue())) {
          return false;
        }
        puts.put(e.getKey(), e.getValue());
      }
      for (var e : orElse.puts.entrySet()) {
        boolean repeated = puts.containsKey(e.getKey()) && !then.puts.containsKey(e.getKey());
        if (repeated || deletes(e.getKey(), e.getValue())) {
          return false;
        }
        puts.merge(e.getKey(), e.getValue(), Boolean::logicalOr);
      }
      dels.addAll(then.dels);
      dels.addAll(orElse.dels);
      return true;
    }

    private boolean deletes(Bytes key, boolean ignoresValueOrLease) {
      for (KvCommand.DeleteRange d : dels) {
        if (d.rangeEnd().isEmpty()) {
          if (d.key().equals(key)) {
            return true;
          }
        } else if (key.compareTo(d.key()) >= 0
            && (key.compareTo(d.rangeEnd()) < 0
                || (ignoresValueOrLease && MvccStore.isFromKey(d.rangeEnd())))) {
          return true;
        }
      }
      return false;
    }
  }
}
