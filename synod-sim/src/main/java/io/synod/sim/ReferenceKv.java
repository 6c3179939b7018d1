package io.synod.sim;

import io.synod.common.Bytes;
import io.synod.kv.Event;
import io.synod.kv.KeyValue;
import io.synod.kv.KvCodec;
import io.synod.kv.KvCodecException;
import io.synod.kv.KvCommand;
import io.synod.kv.KvConfig;
import io.synod.kv.KvResponse;
import io.synod.kv.KvStateMachine;
import io.synod.kv.WatchCreateResult;
import io.synod.kv.WatchRequest;
import io.synod.kv.WatchSink;
import io.synod.raft.ConfState;
import io.synod.raft.Entry;
import io.synod.raft.EntryType;
import io.synod.raft.SnapshotMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The committed log as one more replica applies it, for the checkers: the simulator feeds it each
 * log entry the first time any replica applies it (replicas apply in index order, so first applies
 * arrive in index order too, and the safety checker makes sure every replica applies the same entry
 * at each index).
 *
 * <p>From its own all-keys watcher it keeps every event of every revision, never compacted, and
 * from those each key's full history, so it can say what any key held at any revision, what a read
 * at a revision must return, and which events a watcher must receive. It also records which
 * compactions and lease revokes were committed.
 *
 * <p>Owned by the simulation thread.
 */
final class ReferenceKv {
  /** One committed change: the {@code sub}-th change of {@code revision}. */
  record RefEvent(long revision, int sub, Event event) {}

  /** Hears about committed lease revokes. */
  interface RevokeListener {
    void onCommittedRevoke(long leaseId, long term, long index);
  }

  private static final Bytes ALL = Bytes.wrapOwned(new byte[] {0});

  private final KvStateMachine machine;
  private final List<RefEvent> events = new ArrayList<>();
  private final TreeMap<Bytes, TreeMap<Long, KeyValue>> keys = new TreeMap<>();
  private final TreeSet<Long> compactions = new TreeSet<>();
  private final RevokeListener revokes;
  private long appliedIndex;
  private String broken = "";

  ReferenceKv(KvConfig config, RevokeListener revokes) {
    this.revokes = revokes;
    this.machine = new KvStateMachine(config);
    machine.restore(new SnapshotMeta(0, 0, ConfState.EMPTY), Bytes.EMPTY);
    WatchCreateResult created =
        machine
            .watchHub()
            .openStream(new Recorder())
            .create(new WatchRequest(ALL, ALL, 0, false, false, false, true, 0, false));
    if (!(created instanceof WatchCreateResult.Created)) {
      throw new IllegalStateException("reference watcher refused: " + created);
    }
  }

  /** Applies the next committed entry (the first apply of {@code entry.index()} anywhere). */
  void apply(Entry entry) {
    if (entry.index() != appliedIndex + 1) {
      throw new SimulationFailure(
          "reference: committed index "
              + entry.index()
              + " applied first after "
              + appliedIndex
              + " (first applies out of order)");
    }
    appliedIndex = entry.index();
    long compactBefore = machine.compactRevision();
    KvCommand.LeaseRevoke revoke = revokeIn(entry);
    List<KeyValue> held = revoke == null ? List.of() : keysOfLease(revoke.id());
    int eventsBefore = events.size();
    Bytes result = machine.apply(entry);
    if (!broken.isEmpty()) {
      throw new SimulationFailure("reference: " + broken);
    }
    if (machine.compactRevision() != compactBefore) {
      compactions.add(machine.compactRevision());
    }
    if (revoke != null && KvCodec.decodeResponse(result) instanceof KvResponse.LeaseRevoke r) {
      checkKeysVanishedTogether(revoke.id(), held, eventsBefore, r.revision(), entry.index());
      revokes.onCommittedRevoke(revoke.id(), entry.term(), entry.index());
    }
  }

  private static KvCommand.LeaseRevoke revokeIn(Entry entry) {
    if (entry.type() != EntryType.NORMAL || entry.data().isEmpty()) {
      return null;
    }
    try {
      return KvCodec.decodeCommand(entry.data()) instanceof KvCommand.LeaseRevoke r ? r : null;
    } catch (KvCodecException e) {
      return null;
    }
  }

  /** The live keys attached to lease {@code id} now, as the committed events tell. */
  private List<KeyValue> keysOfLease(long id) {
    List<KeyValue> out = new ArrayList<>();
    for (KeyValue kv : range(ALL, ALL, machine.revision())) {
      if (kv.lease() == id) {
        out.add(kv);
      }
    }
    return out;
  }

  /**
   * A revoke deletes every key of its lease in one revision, the one it answers (or changes nothing
   * if the lease had none), in key order and nothing else; afterwards no live key names the lease.
   */
  private void checkKeysVanishedTogether(
      long id, List<KeyValue> held, int eventsBefore, long revision, long index) {
    List<Bytes> deleted = new ArrayList<>();
    for (int p = eventsBefore; p < events.size(); p++) {
      RefEvent e = events.get(p);
      if (e.revision() == revision && e.event().type() == Event.Type.DELETE) {
        deleted.add(e.event().kv().key());
      } else {
        deleted.add(null); // anything else in that revision is wrong
      }
    }
    List<Bytes> expected = new ArrayList<>();
    for (KeyValue kv : held) {
      expected.add(kv.key());
    }
    if (!deleted.equals(expected) || revision != machine.revision()) {
      throw new SimulationFailure(
          String.format(
              java.util.Locale.ROOT,
              "lease: the revoke of lease %d at index %d (revision %d) deleted %s; its keys were %s",
              id,
              index,
              revision,
              deleted,
              expected));
    }
    List<KeyValue> left = keysOfLease(id);
    if (!left.isEmpty()) {
      throw new SimulationFailure(
          String.format(
              java.util.Locale.ROOT,
              "lease: after the revoke of lease %d at index %d, keys still name it: %s",
              id,
              index,
              left));
    }
  }

  long appliedIndex() {
    return appliedIndex;
  }

  /** The size of a snapshot image of the committed state. */
  long imageBytes() {
    return machine.snapshot().size();
  }

  /** The newest committed revision. */
  long revision() {
    return machine.revision();
  }

  long compactRevision() {
    return machine.compactRevision();
  }

  /** Whether some committed compaction moved the compaction point to {@code revision}. */
  boolean wasCompactedAt(long revision) {
    return compactions.contains(revision);
  }

  boolean leaseExists(long id) {
    return machine.leases().contains(id);
  }

  int leaseCount() {
    return machine.leases().size();
  }

  List<Long> leaseIds() {
    return machine.leases().ids();
  }

  /** The live version of {@code key} at {@code revision}, or null if it did not exist then. */
  KeyValue liveAt(Bytes key, long revision) {
    TreeMap<Long, KeyValue> history = keys.get(key);
    if (history == null) {
      return null;
    }
    Map.Entry<Long, KeyValue> e = history.floorEntry(revision);
    return e == null || e.getValue().version() == 0 ? null : e.getValue();
  }

  /** Every live key-value of {@code [key, rangeEnd)} at {@code revision}, in key order. */
  List<KeyValue> range(Bytes key, Bytes rangeEnd, long revision) {
    List<KeyValue> out = new ArrayList<>();
    Map<Bytes, TreeMap<Long, KeyValue>> candidates;
    if (rangeEnd.isEmpty()) {
      TreeMap<Long, KeyValue> one = keys.get(key);
      candidates = one == null ? Map.of() : Map.of(key, one);
    } else if (rangeEnd.equals(ALL)) {
      candidates = keys.tailMap(key, true);
    } else if (key.compareTo(rangeEnd) >= 0) {
      candidates = Map.of();
    } else {
      candidates = keys.subMap(key, true, rangeEnd, false);
    }
    for (Bytes k : candidates.keySet()) {
      KeyValue kv = liveAt(k, revision);
      if (kv != null) {
        out.add(kv);
      }
    }
    return out;
  }

  /** Whether {@code k} lies in {@code [key, rangeEnd)} with etcd's conventions. */
  static boolean inRange(Bytes k, Bytes key, Bytes rangeEnd) {
    if (rangeEnd.isEmpty()) {
      return k.equals(key);
    }
    if (rangeEnd.equals(ALL)) {
      return k.compareTo(key) >= 0;
    }
    return k.compareTo(key) >= 0 && k.compareTo(rangeEnd) < 0;
  }

  /** The number of committed events so far. */
  int eventCount() {
    return events.size();
  }

  RefEvent event(int position) {
    return events.get(position);
  }

  /** The position of the first event at {@code revision} or later (eventCount() if none yet). */
  int firstEventAtOrAfter(long revision) {
    int lo = 0;
    int hi = events.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (events.get(mid).revision() < revision) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** What a watcher that asked for prev_kv must see with the event at {@code revision}. */
  Optional<KeyValue> previous(Bytes key, long revision) {
    return Optional.ofNullable(liveAt(key, revision - 1));
  }

  /** The reference's own watcher: takes everything, records it, checks its prev_kv. */
  private final class Recorder implements WatchSink {
    @Override
    public boolean offer(long watchId, long revision, List<Event> batch, boolean fragment) {
      RefEvent last = events.isEmpty() ? null : events.get(events.size() - 1);
      long lastRevision = last == null ? 0 : last.revision();
      int sub = last == null ? -1 : last.sub();
      for (Event e : batch) {
        long r = e.kv().modRevision();
        if (r < lastRevision) {
          broken = "event of revision " + r + " after revision " + lastRevision;
          return true;
        }
        sub = r == lastRevision ? sub + 1 : 0;
        if (r > lastRevision && !events.isEmpty() && r != lastRevision + 1) {
          broken = "events skip from revision " + lastRevision + " to " + r;
        }
        lastRevision = r;
        Optional<KeyValue> expectedPrev =
            e.kv().version() == 1 ? Optional.empty() : previous(e.kv().key(), r);
        if (!e.prevKv().equals(expectedPrev)) {
          broken = "prev_kv of " + e + " should be " + expectedPrev;
        }
        events.add(new RefEvent(r, sub, e));
        keys.computeIfAbsent(e.kv().key(), k -> new TreeMap<>()).put(r, e.kv());
      }
      return true;
    }

    @Override
    public void canceled(long watchId, long compactRevision, String reason) {
      broken = "reference watcher canceled at " + compactRevision + " " + reason;
    }

    @Override
    public void progress(long watchId, long revision) {}
  }
}
