package io.synod.sim;

import io.synod.common.Bytes;
import io.synod.kv.Compare;
import io.synod.kv.KeyValue;
import io.synod.kv.KvCommand;
import io.synod.kv.KvError;
import io.synod.kv.KvResponse;
import io.synod.kv.RangeRequest;
import io.synod.kv.RequestOp;
import io.synod.lincheck.Operation;
import io.synod.lincheck.model.KvModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A closed-loop etcd client: one operation at a time, each sent to the replica it believes leads,
 * retried elsewhere only after a definite refusal (never after an attempt that might have been
 * applied: etcd has no client sessions) and given up at its deadline.
 *
 * <p>Operations on the keys {@code k0..k9} go into the history the linearizability checker reads
 * under {@link KvModel}: a get or range (linearizable) as one get per key, a Put as put, a
 * compare-and-set Txn ({@code If value == v} or {@code If mod_revision == r}; values are unique, so
 * the mod revision names the value) as cas and, when it failed, the get of its failure branch, a
 * DeleteRange as one delete per key, a multi-key Txn as the per-key facts its outcome proves. An
 * abandoned write goes in as unknown (it may still apply). Serializable reads stay out of that
 * history. Every answer is also checked against the committed history ({@link KvChecks}).
 *
 * <p>With leases on, the client also grants short leases, puts keys {@code l<client>.<n>} under
 * them, keeps them alive from a timer at a fraction of their TTL (to the leader), lets some lapse,
 * revokes some, and reads its leased keys; the {@link LeaseChecker} judges the leases.
 */
final class SimClient implements Rpc.Caller {
  private final Simulation sim;
  private final SimOptions options;
  private final WorkloadOptions workload;
  private final SplittableRandom random;
  private final KvChecks checks;
  private final LeaseChecker leaseChecker;
  final int id;
  private final long endpoint;

  private long seq;
  private Op current;
  private int attempt;
  private long callTime;
  private long deadlineMicros;
  private long target;
  private boolean stopped;
  private long completed;

  /** The last (value, mod revision) this client saw per key, for compare-by-mod-revision Txns. */
  private final TreeMap<String, Known> known = new TreeMap<>();

  private record Known(Optional<String> value, long modRevision) {}

  private final List<ClientLease> leases = new ArrayList<>();
  private long leaseTarget;
  private int leasedKeys;

  SimClient(Simulation sim, int id, SplittableRandom random, KvChecks checks, LeaseChecker leases) {
    this.sim = sim;
    this.options = sim.options();
    this.workload = sim.workload();
    this.id = id;
    this.endpoint = 1_000_000L + id;
    this.random = random;
    this.checks = checks;
    this.leaseChecker = leases;
  }

  @Override
  public long endpoint() {
    return endpoint;
  }

  /** Stops starting operations and keeping leases alive (the liveness phase). */
  void stop() {
    stopped = true;
  }

  long completed() {
    return completed;
  }

  // ------------------------------------------------------------------ the operation loop

  /** Starts the next operation, unless stopped. */
  void next() {
    if (stopped) {
      return;
    }
    seq++;
    current = nextOp();
    attempt = 0;
    callTime = sim.historyClock();
    current.floor = checks.revisionFloor();
    current.onCall();
    deadlineMicros = sim.nowMicros() + options.clientTimeoutMicros();
    long opSeq = seq;
    sim.events().after(options.clientTimeoutMicros(), () -> onDeadline(opSeq));
    send();
  }

  private void send() {
    if (target == 0 || random.nextDouble() < options.clientHopRate()) {
      target = sim.randomNodeId(random);
    }
    sim.sendRequest(target, new Rpc.Request(this, seq, attempt, sim.nowMicros(), current.call));
  }

  @Override
  public void onReply(Rpc.Request request, Rpc.Reply reply) {
    if (current == null || request.seq() != seq) {
      return; // a duplicate, or the answer to an operation already given up on
    }
    if (reply instanceof Rpc.Done done) {
      Op op = current;
      op.sentMicros = request.sentMicros();
      long returnTime = sim.historyClock();
      op.done(done.response(), returnTime);
      completed++;
      sim.noteCompleted(op.write, op.linearizable);
      finish();
      return;
    }
    if (request.attempt() != attempt || !(reply instanceof Rpc.Refused refused)) {
      return; // a refusal of an attempt already retried
    }
    // Definitely not applied at that replica: try the hinted leader, or another replica, soon.
    target = refused.leaderHint() != 0 ? refused.leaderHint() : sim.randomNodeId(random);
    attempt++;
    long backoff = refused.leaderHint() != 0 ? 0 : 1_000 + random.nextInt(50_000);
    if (sim.nowMicros() + backoff < deadlineMicros) {
      long opSeq = seq;
      int retry = attempt;
      sim.events()
          .after(
              backoff,
              () -> {
                if (current != null && seq == opSeq && attempt == retry) {
                  send();
                }
              });
    }
  }

  private void onDeadline(long opSeq) {
    if (current == null || seq != opSeq) {
      return;
    }
    if (current.write) {
      current.unknown();
    }
    target = 0;
    finish();
  }

  private void finish() {
    current = null;
    sim.events().after(random.nextLong(options.thinkMicrosMax() + 1), this::next);
  }

  /** The operation in flight, if any: an abandoned write may still apply. */
  void abandon() {
    if (current != null && current.write) {
      current.unknown();
    }
    current = null;
  }

  // ------------------------------------------------------------------ operations

  /** One operation: what is sent, and what its outcome means for the checkers. */
  private abstract class Op {
    final Rpc.Call call;
    final boolean write;
    final boolean linearizable;
    long floor;
    long sentMicros;

    Op(Rpc.Call call, boolean write, boolean linearizable) {
      this.call = call;
      this.write = write;
      this.linearizable = linearizable;
    }

    void onCall() {}

    abstract void done(KvResponse response, long returnTime);

    /** The outcome is unknown: the write may or may not have applied. */
    void unknown() {}

    String what() {
      return "client " + id + " " + call;
    }

    /** What the checkers print, built only when one fails. */
    @Override
    public String toString() {
      return what();
    }

    SimulationFailure unexpected(KvResponse response) {
      return KvChecks.fail("%s got %s", what(), response);
    }
  }

  private Op nextOp() {
    if (workload.leaseRatio() > 0 && random.nextDouble() < workload.leaseRatio()) {
      Op op = leaseOp();
      if (op != null) {
        return op;
      }
    }
    double r = random.nextDouble();
    if (r < options.readRatio()) {
      return random.nextDouble() < workload.rangeRatio() ? rangeOp() : getOp();
    }
    if (r < options.readRatio() + options.casRatio()) {
      return casOp();
    }
    double x = random.nextDouble();
    if (x < workload.deleteRatio()) {
      return deleteOp();
    }
    if (x < workload.deleteRatio() + workload.multiTxnRatio()) {
      return multiTxnOp();
    }
    return putOp();
  }

  private String randomKey() {
    return "k" + random.nextInt(options.keys());
  }

  private String freshValue(String suffix) {
    return "c" + id + "." + seq + suffix;
  }

  private static Bytes bytes(String s) {
    return Bytes.utf8(s);
  }

  private static Optional<String> valueOf(KeyValue kv) {
    return kv == null ? Optional.empty() : Optional.of(kv.value().toStringUtf8());
  }

  private void record(KvModel.Input input, KvModel.Output output, long returnTime) {
    sim.record(Operation.completed(id, input, output, callTime, returnTime));
  }

  private void recordUnknown(KvModel.Input input) {
    sim.record(Operation.unknown(id, input, callTime));
  }

  /** Records the state of every checked key of {@code [from, to)} as read in {@code kvs}. */
  private void recordReads(List<String> keys, List<KeyValue> kvs, long returnTime) {
    TreeMap<String, KeyValue> byKey = new TreeMap<>();
    for (KeyValue kv : kvs) {
      byKey.put(kv.key().toStringUtf8(), kv);
    }
    for (String k : keys) {
      KeyValue kv = byKey.get(k);
      record(KvModel.Input.get(k), KvModel.Output.value(valueOf(kv)), returnTime);
      noteKnown(k, kv);
    }
  }

  private void noteKnown(String key, KeyValue kv) {
    known.put(key, new Known(valueOf(kv), kv == null ? 0 : kv.modRevision()));
  }

  private RangeRequest range(String key, String end, long limit, boolean serializable) {
    return new RangeRequest(
        bytes(key),
        end.isEmpty() ? Bytes.EMPTY : bytes(end),
        limit,
        0,
        RangeRequest.SortOrder.NONE,
        RangeRequest.SortTarget.KEY,
        serializable,
        false,
        false,
        0,
        0,
        0,
        0);
  }

  /** The checked keys in {@code [from, to)}, where {@code to} "k:" is past every one. */
  private List<String> keysBetween(int from, int to) {
    List<String> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add("k" + i);
    }
    return out;
  }

  private boolean serializable() {
    return workload.serializableRatio() > 0 && random.nextDouble() < workload.serializableRatio();
  }

  // ---- reads

  private Op getOp() {
    String key = randomKey();
    RangeRequest request = range(key, "", 0, serializable());
    return readOp(request, List.of(key));
  }

  private Op rangeOp() {
    int from = random.nextInt(options.keys());
    int to = from + 1 + random.nextInt(options.keys() - from);
    String end = to == options.keys() && random.nextBoolean() ? "k:" : "k" + to;
    boolean limited = random.nextInt(4) == 0;
    RangeRequest request =
        range("k" + from, end, limited ? 1 + random.nextInt(3) : 0, serializable());
    return readOp(request, limited ? List.of() : keysBetween(from, to));
  }

  private Op readOp(RangeRequest request, List<String> recordedKeys) {
    boolean linearizable = !request.serializable();
    return new Op(new Rpc.Read(request), false, linearizable) {
      @Override
      void done(KvResponse response, long returnTime) {
        if (!(response instanceof KvResponse.Range r)) {
          throw unexpected(response);
        }
        checks.checkRange(this, request, r);
        sim.observeRevision(r.revision());
        if (linearizable) {
          checks.onLinearizable(this, r.revision(), floor, false);
          recordReads(recordedKeys, r.kvs(), returnTime);
        }
      }
    };
  }

  // ---- writes

  private Op putOp() {
    String key = randomKey();
    String value = freshValue("");
    KvCommand.Put put =
        new KvCommand.Put(bytes(key), bytes(value), 0, random.nextBoolean(), false, false);
    return new Op(new Rpc.Write(put), true, true) {
      @Override
      void done(KvResponse response, long returnTime) {
        if (!(response instanceof KvResponse.Put r)) {
          throw unexpected(response);
        }
        checks.checkPut(this, put, r);
        checks.onLinearizable(this, r.revision(), floor, true);
        sim.observeRevision(r.revision());
        record(KvModel.Input.put(key, value), KvModel.Output.ok(), returnTime);
        known.put(key, new Known(Optional.of(value), r.revision()));
        sim.noteWritten(key, value);
      }

      @Override
      void unknown() {
        recordUnknown(KvModel.Input.put(key, value));
      }
    };
  }

  /** The compare that holds iff {@code key} holds {@code expected} (by value or mod revision). */
  private Compare compareFor(String key, Optional<String> expected, boolean byMod, long mod) {
    if (byMod) {
      return new Compare(
          Compare.Result.EQUAL, Compare.Target.MOD, bytes(key), Bytes.EMPTY, mod, Bytes.EMPTY);
    }
    if (expected.isEmpty()) {
      // A VALUE compare on a missing key is always false in etcd: "absent" is version 0.
      return new Compare(
          Compare.Result.EQUAL, Compare.Target.VERSION, bytes(key), Bytes.EMPTY, 0, Bytes.EMPTY);
    }
    return new Compare(
        Compare.Result.EQUAL,
        Compare.Target.VALUE,
        bytes(key),
        Bytes.EMPTY,
        0,
        bytes(expected.get()));
  }

  /** A condition on one key: by value, or by the mod revision of a value this client saw. */
  private record Condition(String key, Optional<String> expected, Compare compare) {}

  private Condition condition(String key) {
    Known k = known.get(key);
    if (k != null && random.nextBoolean()) {
      return new Condition(key, k.value(), compareFor(key, k.value(), true, k.modRevision()));
    }
    Optional<String> expected = sim.lastWrittenValue(key, random);
    return new Condition(key, expected, compareFor(key, expected, false, 0));
  }

  private Op casOp() {
    String key = randomKey();
    String value = freshValue("");
    Condition c = condition(key);
    KvCommand.Txn txn =
        new KvCommand.Txn(
            List.of(c.compare()),
            List.of(
                new RequestOp.Put(
                    new KvCommand.Put(bytes(key), bytes(value), 0, false, false, false))),
            List.of(new RequestOp.Range(range(key, "", 0, false))));
    KvModel.Input cas = KvModel.Input.cas(key, c.expected(), value);
    return new Op(new Rpc.Write(txn), true, true) {
      @Override
      void done(KvResponse response, long returnTime) {
        if (!(response instanceof KvResponse.Txn r)) {
          throw unexpected(response);
        }
        checks.checkTxn(this, txn, r);
        checks.onLinearizable(this, r.revision(), floor, r.succeeded());
        sim.observeRevision(r.revision());
        record(cas, KvModel.Output.casResult(r.succeeded()), returnTime);
        if (r.succeeded()) {
          known.put(key, new Known(Optional.of(value), r.revision()));
          sim.noteWritten(key, value);
        } else {
          KvResponse.Range read = (KvResponse.Range) r.responses().get(0);
          recordReads(List.of(key), read.kvs(), returnTime);
        }
      }

      @Override
      void unknown() {
        recordUnknown(cas);
      }
    };
  }

  private Op multiTxnOp() {
    List<String> keys = new ArrayList<>();
    int n = Math.min(options.keys(), 2 + random.nextInt(2));
    while (keys.size() < n) {
      String k = randomKey();
      if (!keys.contains(k)) {
        keys.add(k);
      }
    }
    List<Condition> conditions = new ArrayList<>();
    List<String> written = new ArrayList<>();
    List<Compare> compares = new ArrayList<>();
    List<RequestOp> success = new ArrayList<>();
    List<RequestOp> failure = new ArrayList<>();
    TreeMap<String, String> values = new TreeMap<>();
    for (int i = 0; i < keys.size(); i++) {
      String k = keys.get(i);
      boolean compared = i == 0 || random.nextBoolean();
      boolean writes = i == keys.size() - 1 || random.nextBoolean();
      if (compared) {
        Condition c = condition(k);
        conditions.add(c);
        compares.add(c.compare());
        failure.add(new RequestOp.Range(range(k, "", 0, false)));
      }
      if (writes) {
        String v = freshValue("." + i);
        values.put(k, v);
        written.add(k);
        success.add(
            new RequestOp.Put(new KvCommand.Put(bytes(k), bytes(v), 0, false, false, false)));
      }
    }
    KvCommand.Txn txn = new KvCommand.Txn(compares, success, failure);
    return new Op(new Rpc.Write(txn), true, true) {
      @Override
      void done(KvResponse response, long returnTime) {
        if (!(response instanceof KvResponse.Txn r)) {
          throw unexpected(response);
        }
        checks.checkTxn(this, txn, r);
        checks.onLinearizable(this, r.revision(), floor, r.succeeded());
        sim.observeRevision(r.revision());
        if (!r.succeeded()) {
          for (int i = 0; i < conditions.size(); i++) {
            KvResponse.Range read = (KvResponse.Range) r.responses().get(i);
            recordReads(List.of(conditions.get(i).key()), read.kvs(), returnTime);
          }
          return;
        }
        // Success proves each compared key held its expected value, and sets each written key.
        for (KvModel.Input input : successFacts()) {
          KvModel.Output out =
              input instanceof KvModel.Get g
                  ? KvModel.Output.value(expectedOf(g.key()))
                  : input instanceof KvModel.Cas
                      ? KvModel.Output.casResult(true)
                      : KvModel.Output.ok();
          record(input, out, returnTime);
        }
        for (String k : written) {
          known.put(k, new Known(Optional.of(values.get(k)), r.revision()));
          sim.noteWritten(k, values.get(k));
        }
      }

      @Override
      void unknown() {
        for (KvModel.Input input : successFacts()) {
          if (!(input instanceof KvModel.Get)) {
            recordUnknown(input);
          }
        }
      }

      private Optional<String> expectedOf(String key) {
        for (Condition c : conditions) {
          if (c.key().equals(key)) {
            return c.expected();
          }
        }
        throw new IllegalStateException(key);
      }

      /** Per key, what the Txn's success means: cas (compared and written), put, or get. */
      private List<KvModel.Input> successFacts() {
        List<KvModel.Input> out = new ArrayList<>();
        for (String k : keys) {
          Optional<Condition> c = conditions.stream().filter(x -> x.key().equals(k)).findFirst();
          boolean writes = values.containsKey(k);
          if (c.isPresent() && writes) {
            out.add(KvModel.Input.cas(k, c.get().expected(), values.get(k)));
          } else if (writes) {
            out.add(KvModel.Input.put(k, values.get(k)));
          } else if (c.isPresent()) {
            out.add(KvModel.Input.get(k));
          }
        }
        return out;
      }
    };
  }

  private Op deleteOp() {
    boolean single = options.keys() == 1 || random.nextBoolean();
    int from = random.nextInt(options.keys());
    int to = single ? from + 1 : from + 1 + random.nextInt(options.keys() - from);
    List<String> keys = keysBetween(from, to);
    boolean prevKv = !single || random.nextBoolean();
    KvCommand.DeleteRange delete =
        new KvCommand.DeleteRange(
            bytes("k" + from),
            single ? Bytes.EMPTY : bytes(to == options.keys() ? "k:" : "k" + to),
            prevKv);
    return new Op(new Rpc.Write(delete), true, true) {
      @Override
      void done(KvResponse response, long returnTime) {
        if (!(response instanceof KvResponse.DeleteRange r)) {
          throw unexpected(response);
        }
        checks.checkDelete(this, delete, r);
        checks.onLinearizable(this, r.revision(), floor, r.deleted() > 0);
        sim.observeRevision(r.revision());
        for (String k : keys) {
          boolean existed =
              single
                  ? r.deleted() > 0
                  : r.prevKvs().stream().anyMatch(kv -> kv.key().equals(bytes(k)));
          record(KvModel.Input.delete(k), KvModel.Output.deleted(existed), returnTime);
          known.put(k, new Known(Optional.empty(), 0));
        }
      }

      @Override
      void unknown() {
        for (String k : keys) {
          recordUnknown(KvModel.Input.delete(k));
        }
      }
    };
  }

  // ------------------------------------------------------------------ leases

  /** One lease this client holds. */
  private final class ClientLease implements Rpc.Caller {
    final long leaseId;
    final long ttlSeconds;
    boolean alive = true;
    boolean keptAlive = true;
    long keepAliveSeq;
    long inFlightSeq = -1;

    ClientLease(long leaseId, long ttlSeconds) {
      this.leaseId = leaseId;
      this.ttlSeconds = ttlSeconds;
    }

    @Override
    public long endpoint() {
      return endpoint;
    }

    void scheduleKeepAlive() {
      long interval = (long) (ttlSeconds * 1e6 * workload.keepAliveFraction());
      sim.events().after(interval, this::keepAlive);
    }

    private void keepAlive() {
      if (stopped || !alive || !keptAlive) {
        return;
      }
      if (workload.lapseRate() > 0 && random.nextDouble() < workload.lapseRate()) {
        keptAlive = false; // the client lets this lease expire
        return;
      }
      send();
      scheduleKeepAlive();
    }

    private void send() {
      if (leaseTarget == 0) {
        leaseTarget = sim.randomNodeId(random);
      }
      long s = ++keepAliveSeq;
      inFlightSeq = s;
      sim.sendRequest(
          leaseTarget, new Rpc.Request(this, s, 0, sim.nowMicros(), new Rpc.KeepAlive(leaseId)));
    }

    @Override
    public void onReply(Rpc.Request request, Rpc.Reply reply) {
      if (reply instanceof Rpc.KeptAlive k) {
        if (k.ttlSeconds() > 0) {
          leaseChecker.onAck(leaseId, request.sentMicros(), k.ttlSeconds());
        } else {
          alive = false;
        }
      } else if (reply instanceof Rpc.Refused refused && request.seq() == inFlightSeq) {
        leaseTarget = refused.leaderHint() != 0 ? refused.leaderHint() : sim.randomNodeId(random);
        if (!stopped && alive && keptAlive && refused.leaderHint() != 0) {
          send(); // once more at once, to the hinted leader
        }
      }
    }
  }

  private Op leaseOp() {
    List<ClientLease> usable = new ArrayList<>();
    for (ClientLease l : leases) {
      if (l.alive) {
        usable.add(l);
      }
    }
    int choice = random.nextInt(10);
    if (usable.isEmpty() || (choice < 2 && usable.size() < 3)) {
      return grantOp();
    }
    ClientLease lease = usable.get(random.nextInt(usable.size()));
    if (choice < 3
        || (workload.leaseRevokeRatio() > 0
            && random.nextDouble() < workload.leaseRevokeRatio() / 3)) {
      return revokeOp(lease);
    }
    if (choice < 6) {
      return leaseReadOp();
    }
    return leasePutOp(lease);
  }

  private Op grantOp() {
    long ttl =
        workload.minLeaseTtlSeconds()
            + random.nextLong(
                Math.max(1, workload.leaseTtlSecondsMax() - workload.minLeaseTtlSeconds() + 1));
    KvCommand.LeaseGrant grant = new KvCommand.LeaseGrant(ttl, 0);
    return new Op(new Rpc.Write(grant), true, true) {
      @Override
      void done(KvResponse response, long returnTime) {
        if (!(response instanceof KvResponse.LeaseGrant g)) {
          throw unexpected(response);
        }
        checks.onLinearizable(this, g.revision(), floor, false);
        leaseChecker.onAck(g.id(), sentMicros, g.ttlSeconds());
        if (sim.tracing()) {
          sim.log("client " + id + " granted lease " + g.id() + " ttl " + g.ttlSeconds() + " s");
        }
        ClientLease lease = new ClientLease(g.id(), g.ttlSeconds());
        leases.add(lease);
        lease.scheduleKeepAlive();
      }
    };
  }

  private Op revokeOp(ClientLease lease) {
    KvCommand.LeaseRevoke revoke = new KvCommand.LeaseRevoke(lease.leaseId);
    return new Op(new Rpc.Write(revoke), true, true) {
      @Override
      void onCall() {
        lease.alive = false;
        leaseChecker.onClientRevoke(lease.leaseId, sim.nowMicros());
      }

      @Override
      void done(KvResponse response, long returnTime) {
        if (response instanceof KvResponse.LeaseRevoke r) {
          checks.onLinearizable(this, r.revision(), floor, false);
          if (sim.reference().leaseExists(lease.leaseId)) {
            throw KvChecks.fail("%s answered revoked, the lease is still committed", what());
          }
        } else if (!(response instanceof KvResponse.Error e
            && e.error() == KvError.LEASE_NOT_FOUND)) {
          throw unexpected(response);
        }
        leases.remove(lease);
      }

      @Override
      void unknown() {
        leases.remove(lease);
      }
    };
  }

  private Op leasePutOp(ClientLease lease) {
    String key = "l" + id + "." + (leasedKeys++ % 4);
    String value = freshValue("");
    KvCommand.Put put =
        new KvCommand.Put(
            bytes(key), bytes(value), lease.leaseId, random.nextBoolean(), false, false);
    return new Op(new Rpc.Write(put), true, true) {
      @Override
      void done(KvResponse response, long returnTime) {
        if (response instanceof KvResponse.Put r) {
          checks.checkPut(this, put, r);
          checks.onLinearizable(this, r.revision(), floor, true);
          sim.observeRevision(r.revision());
        } else if (response instanceof KvResponse.Error e && e.error() == KvError.LEASE_NOT_FOUND) {
          if (sim.reference().leaseExists(lease.leaseId)) {
            throw KvChecks.fail("%s answered lease not found, the lease is committed", what());
          }
          lease.alive = false;
        } else {
          throw unexpected(response);
        }
      }
    };
  }

  private Op leaseReadOp() {
    RangeRequest request = range("l" + id + ".", "l" + id + "/", 0, false);
    return readOp(request, List.of());
  }
}
