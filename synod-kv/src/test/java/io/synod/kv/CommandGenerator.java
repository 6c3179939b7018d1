package io.synod.kv;

import io.synod.common.Bytes;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random commands and range requests over a small key space, chosen against the model's current
 * state (revisions near the live window, existing lease ids), so that most are interesting and
 * every error path shows up.
 */
final class CommandGenerator {
  static final List<Bytes> KEYS =
      List.of(
          Bytes.utf8("a"),
          Bytes.utf8("aa"),
          Bytes.utf8("ab"),
          Bytes.utf8("b"),
          Bytes.utf8("ba"),
          Bytes.utf8("c"),
          Bytes.utf8("d"),
          Bytes.utf8("\u00ff"));

  private final Random r;
  private final ModelKv model;

  CommandGenerator(long seed, ModelKv model) {
    this.r = new Random(seed);
    this.model = model;
  }

  Bytes key() {
    return r.nextInt(300) == 0 ? Bytes.EMPTY : KEYS.get(r.nextInt(KEYS.size()));
  }

  Bytes rangeEnd() {
    int c = r.nextInt(6);
    if (c <= 1) {
      return Bytes.EMPTY;
    }
    if (c == 2) {
      return Kv.ZERO;
    }
    return KEYS.get(r.nextInt(KEYS.size()));
  }

  long revisionNear() {
    long lo = Math.max(-1, model.compact - 1);
    return lo + r.nextInt((int) (model.revision() - lo + 2));
  }

  long lease() {
    if (r.nextInt(3) > 0 || model.leases.isEmpty()) {
      return r.nextInt(12) == 0 ? 999 : 0;
    }
    List<Long> ids = new ArrayList<>(model.leases.keySet());
    return ids.get(r.nextInt(ids.size()));
  }

  KvCommand.Put put() {
    boolean ignoreValue = r.nextInt(8) == 0;
    boolean ignoreLease = r.nextInt(8) == 0;
    Bytes value = ignoreValue && r.nextInt(4) > 0 ? Bytes.EMPTY : Bytes.utf8("v" + r.nextInt(6));
    long lease = ignoreLease && r.nextInt(4) > 0 ? 0 : lease();
    return new KvCommand.Put(key(), value, lease, r.nextBoolean(), ignoreValue, ignoreLease);
  }

  KvCommand.DeleteRange delete() {
    return new KvCommand.DeleteRange(key(), rangeEnd(), r.nextBoolean());
  }

  RangeRequest range() {
    long rev = r.nextBoolean() ? 0 : revisionNear();
    boolean byKey = r.nextBoolean();
    return new RangeRequest(
        key(),
        rangeEnd(),
        r.nextBoolean() ? 1 + r.nextInt(4) : r.nextInt(3) - 1,
        rev,
        RangeRequest.SortOrder.values()[r.nextInt(3)],
        byKey ? RangeRequest.SortTarget.KEY : RangeRequest.SortTarget.values()[r.nextInt(5)],
        false,
        r.nextInt(6) == 0,
        r.nextInt(10) == 0,
        r.nextInt(8) == 0 ? revisionNear() : 0,
        r.nextInt(8) == 0 ? revisionNear() : 0,
        r.nextInt(8) == 0 ? revisionNear() : 0,
        r.nextInt(8) == 0 ? revisionNear() : 0);
  }

  Compare compare() {
    Compare.Target target = Compare.Target.values()[r.nextInt(5)];
    long number =
        switch (target) {
          case LEASE -> lease();
          case VERSION -> r.nextInt(4);
          default -> revisionNear();
        };
    Bytes end = r.nextInt(4) == 0 ? rangeEnd() : Bytes.EMPTY;
    return new Compare(
        Compare.Result.values()[r.nextInt(4)],
        target,
        key(),
        end,
        number,
        Bytes.utf8(r.nextInt(5) == 0 ? "" : "v" + r.nextInt(6)));
  }

  KvCommand.Txn txn(int depth) {
    List<Compare> compares = new ArrayList<>();
    for (int i = r.nextInt(4); i > 0; i--) {
      compares.add(compare());
    }
    return new KvCommand.Txn(compares, ops(depth), ops(depth));
  }

  private List<RequestOp> ops(int depth) {
    List<RequestOp> ops = new ArrayList<>();
    for (int i = r.nextInt(5); i > 0; i--) {
      int c = r.nextInt(depth < 2 ? 8 : 7);
      ops.add(
          switch (c) {
            case 0, 1 -> new RequestOp.Range(range());
            case 2, 3, 4 -> new RequestOp.Put(put());
            case 5, 6 -> new RequestOp.DeleteRange(delete());
            default -> new RequestOp.Txn(txn(depth + 1));
          });
    }
    return ops;
  }

  /** A command, or null for "serve a range now". */
  KvCommand next() {
    int c = r.nextInt(30);
    if (c < 9) {
      return put();
    } else if (c < 12) {
      return delete();
    } else if (c < 16) {
      return txn(0);
    } else if (c == 16) {
      return new KvCommand.Compact(revisionNear(), r.nextBoolean());
    } else if (c == 17) {
      long id = r.nextInt(3) == 0 ? r.nextInt(3) : 0;
      long ttl = r.nextInt(10) == 0 ? 9_000_000_001L : r.nextInt(20) - 2;
      return new KvCommand.LeaseGrant(ttl, id);
    } else if (c == 18) {
      return new KvCommand.LeaseRevoke(lease());
    } else if (c == 19) {
      return new KvCommand.LeaseCheckpoint(
          List.of(new KvCommand.Checkpoint(lease(), r.nextInt(10_000))));
    }
    return null;
  }
}
