package io.synod.sim;

import io.synod.common.Bytes;
import io.synod.kv.Event;
import io.synod.kv.KeyValue;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Judges what watchers receive against the committed history ({@link ReferenceKv}): every committed
 * event in a watcher's range that its filters let through is delivered exactly once, in (revision,
 * sub-revision) order, with no gap, the right content and prev_kv exactly when asked (it may be
 * missing only for an event at or below the compaction point of the replica that sent it, whose
 * older version is gone, as in etcd). A progress notification promises every event up to its
 * revision; a compaction cancel must name a committed compaction point above the watcher's
 * position. A logical watch survives reconnects: it resumes from its last complete revision + 1,
 * possibly on another replica, and the checks carry on across them.
 *
 * <p>Owned by the simulation thread.
 */
final class WatchChecker {
  /** One logical watch, across the streams it was carried on. */
  static final class Watch {
    final int number;
    final Bytes key;
    final Bytes rangeEnd;
    final boolean noPut;
    final boolean noDelete;
    final boolean prevKv;
    final boolean fragment;
    final boolean progressNotify;

    /** The first revision this watch covers; 0 until the first stream created it (start 0). */
    long startRevision;

    /** The revision of the last event delivered, or startRevision - 1. */
    long lastRevision;

    /** Where in the reference events to look for the next expected one. */
    int scanPosition;

    boolean ended;
    long delivered;

    Watch(
        int number,
        Bytes key,
        Bytes rangeEnd,
        long startRevision,
        boolean noPut,
        boolean noDelete,
        boolean prevKv,
        boolean fragment,
        boolean progressNotify) {
      this.number = number;
      this.key = key;
      this.rangeEnd = rangeEnd;
      this.startRevision = startRevision;
      this.lastRevision = startRevision - 1;
      this.noPut = noPut;
      this.noDelete = noDelete;
      this.prevKv = prevKv;
      this.fragment = fragment;
      this.progressNotify = progressNotify;
    }

    /** The revision to ask for when (re)creating this watch; 0 for "from now" the first time. */
    long resumeRevision() {
      return startRevision == 0 ? 0 : lastRevision + 1;
    }

    boolean wants(Event e) {
      if (e.type() == Event.Type.PUT ? noPut : noDelete) {
        return false;
      }
      return ReferenceKv.inRange(e.kv().key(), key, rangeEnd);
    }

    @Override
    public String toString() {
      return "watch #"
          + number
          + " ["
          + key
          + ", "
          + rangeEnd
          + ")"
          + (noPut ? " noput" : "")
          + (noDelete ? " nodelete" : "")
          + (prevKv ? " prevkv" : "")
          + (fragment ? " fragment" : "")
          + " from "
          + startRevision;
    }
  }

  private final ReferenceKv reference;
  private long events;
  private long progressChecks;
  private long compactionCancels;

  WatchChecker(ReferenceKv reference) {
    this.reference = reference;
  }

  long events() {
    return events;
  }

  long progressChecks() {
    return progressChecks;
  }

  long compactionCancels() {
    return compactionCancels;
  }

  /** The replica created the watch at {@code createdRevision} (its revision then). */
  void onCreated(Watch w, long createdRevision, long nodeId) {
    if (createdRevision > reference.revision()) {
      throw fail(
          w,
          "created at revision %d on node %d, beyond the committed %d",
          createdRevision,
          nodeId,
          reference.revision());
    }
    if (w.startRevision == 0) {
      w.startRevision = createdRevision + 1;
      w.lastRevision = createdRevision;
      w.scanPosition = reference.firstEventAtOrAfter(w.startRevision);
    } else if (w.delivered == 0 && w.scanPosition == 0) {
      w.scanPosition = reference.firstEventAtOrAfter(w.startRevision);
    }
  }

  /**
   * Events arrived, sent when the replica's compaction point was {@code compactAtSend}. A
   * fragmented response is handed over once complete.
   */
  void onEvents(Watch w, List<Event> batch, long compactAtSend, long nodeId) {
    for (Event e : batch) {
      long revision = e.kv().modRevision();
      int position = nextWanted(w);
      if (position >= reference.eventCount()) {
        throw fail(
            w,
            "node %d delivered %s, beyond the committed history (revision %d)",
            nodeId,
            e,
            reference.revision());
      }
      ReferenceKv.RefEvent expected = reference.event(position);
      if (!sameChange(e, expected.event())) {
        String what =
            revision > expected.revision()
                ? "a gap"
                : revision < expected.revision() ? "a duplicate or out of order" : "wrong";
        throw fail(
            w, "node %d delivered %s where %s was due (%s)", nodeId, e, expected.event(), what);
      }
      checkPrevKv(w, e, expected, compactAtSend, nodeId);
      w.scanPosition = position + 1;
      w.lastRevision = revision;
      w.delivered++;
      events++;
    }
  }

  private void checkPrevKv(
      Watch w, Event e, ReferenceKv.RefEvent expected, long compactAtSend, long nodeId) {
    if (!w.prevKv) {
      if (e.prevKv().isPresent()) {
        throw fail(w, "node %d sent prev_kv nobody asked for with %s", nodeId, e);
      }
      return;
    }
    Optional<KeyValue> want = expected.event().prevKv();
    if (e.prevKv().equals(want)) {
      return;
    }
    if (e.prevKv().isEmpty() && expected.revision() <= compactAtSend) {
      return; // compacted away on that replica (etcd loses it too)
    }
    throw fail(
        w, "node %d sent %s with prev_kv %s, committed prev_kv is %s", nodeId, e, e.prevKv(), want);
  }

  private static boolean sameChange(Event got, Event want) {
    return got.type() == want.type() && got.kv().equals(want.kv());
  }

  /** The reference position of the next event this watch must receive. */
  private int nextWanted(Watch w) {
    int p = w.scanPosition;
    while (p < reference.eventCount() && !w.wants(reference.event(p).event())) {
      p++;
    }
    w.scanPosition = p;
    return p;
  }

  /** A progress notification: the watch has had every event up to {@code revision}. */
  void onProgress(Watch w, long revision, long nodeId) {
    if (revision > reference.revision()) {
      throw fail(
          w,
          "node %d reported progress at %d, beyond the committed %d",
          nodeId,
          revision,
          reference.revision());
    }
    progressChecks++;
    if (w.startRevision == 0 || revision < w.startRevision) {
      return;
    }
    int p = nextWanted(w);
    if (p < reference.eventCount() && reference.event(p).revision() <= revision) {
      throw fail(
          w,
          "node %d reported progress at revision %d, but the watch never got %s",
          nodeId,
          revision,
          reference.event(p).event());
    }
  }

  /** The replica canceled the watch because compaction passed its position. */
  void onCompactionCancel(Watch w, long compactRevision, long nodeId) {
    compactionCancels++;
    if (!reference.wasCompactedAt(compactRevision)) {
      throw fail(
          w,
          "node %d canceled it with compact revision %d, not a committed compaction",
          nodeId,
          compactRevision);
    }
    long next = w.startRevision == 0 ? 0 : w.lastRevision + 1;
    if (next >= compactRevision) {
      throw fail(
          w,
          "node %d canceled it at compact revision %d though it needed only revisions"
              + " from %d on",
          nodeId,
          compactRevision,
          next);
    }
  }

  private static SimulationFailure fail(Watch w, String format, Object... args) {
    return new SimulationFailure("watch: " + w + ": " + String.format(Locale.ROOT, format, args));
  }
}
