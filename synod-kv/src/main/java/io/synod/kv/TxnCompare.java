package io.synod.kv;

import java.util.ArrayList;
import java.util.List;

/**
 * Evaluates one Txn {@link Compare} against the current state, as etcd's {@code applyCompare}: a
 * compare with a range must hold for every key in it; an empty range (or a missing key) compares as
 * version 0, create 0, mod 0 and lease 0, except that a VALUE compare on it is always false (even
 * {@code = ""} and {@code !=}). Values compare bytewise (unsigned).
 *
 * <p>Stateless; runs on the replica loop's thread.
 */
final class TxnCompare {
  private TxnCompare() {}

  static boolean holds(MvccStore store, Compare c) {
    List<Version> found = new ArrayList<>();
    store.scan(c.key(), c.rangeEnd(), store.readRevision(), found::add);
    if (found.isEmpty()) {
      return c.target() != Compare.Target.VALUE && matches(c, 0, 0, 0, 0, null);
    }
    for (Version v : found) {
      if (!matches(c, v.version, v.createRevision, v.modRevision, v.lease, v)) {
        return false;
      }
    }
    return true;
  }

  private static boolean matches(
      Compare c, long version, long create, long mod, long lease, Version v) {
    int result =
        switch (c.target()) {
          case VERSION -> Long.compare(version, c.number());
          case CREATE -> Long.compare(create, c.number());
          case MOD -> Long.compare(mod, c.number());
          case LEASE -> Long.compare(lease, c.number());
          case VALUE -> v.value.compareTo(c.value());
        };
    return switch (c.result()) {
      case EQUAL -> result == 0;
      case NOT_EQUAL -> result != 0;
      case GREATER -> result > 0;
      case LESS -> result < 0;
    };
  }
}
