package io.synod.kv;

import io.synod.common.Bytes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Delivers the store's changes to watchers (etcd's watchableStore), over {@link WatchStream}s.
 *
 * <p>A watcher is <i>synced</i> (it has had everything up to the current revision; each newly
 * applied revision is offered to it at once, all its events in one response) or <i>unsynced</i>
 * (behind: it catches up from the {@link RevisionLog} in bounded batches on {@link #pump()}). A new
 * watcher starting in the past begins unsynced. A sink that refuses an offer makes its watcher
 * unsynced at the first change it did not take, so the loop never blocks, no event is lost, and
 * none is delivered twice or out of order. A watcher whose position falls below the compaction
 * point is canceled with the compact revision.
 *
 * <p>Events of one revision are never split across responses, except into fragments for watchers
 * that asked for them when the response exceeds {@link WatchConfig#fragmentBytesMax()}; a catch-up
 * response may hold several revisions. The header revision of an event response is the revision of
 * its last event.
 *
 * <p><b>Threads.</b> Confined to the replica loop's thread: the loop calls {@link #pump()} and
 * {@link #progress(long)} after applying and ticking; sinks are called on that thread and must not
 * block.
 */
public final class WatchHub {
  private final MvccStore store;
  private final WatchConfig config;

  private final TreeMap<Long, Watcher> watchers = new TreeMap<>();
  private final TreeMap<Bytes, TreeMap<Long, Watcher>> singleKey = new TreeMap<>();
  private final TreeMap<Long, Watcher> ranged = new TreeMap<>();
  private final TreeMap<Long, Watcher> unsynced = new TreeMap<>();

  private long nextWatcherSeq;
  private long nextStreamSeq;
  private long deliveredRevision;
  private long pumpCursor;
  private long nextProgressAtMillis = Long.MIN_VALUE;

  /** One event, where it sits in the log, and its size for fragmenting. */
  private record Item(long revision, int sub, Event event, long sizeBytes) {}

  /** {@link KvPlantedBug#WATCH_SKIPS_COMPACTED}: never set in production. */
  private final boolean skipCompacted;

  WatchHub(MvccStore store, WatchConfig config, boolean skipCompacted) {
    this.store = store;
    this.config = config;
    this.skipCompacted = skipCompacted;
    this.deliveredRevision = store.revision();
  }

  /** Opens a stream whose watchers report to {@code sink}. */
  public WatchStream openStream(WatchSink sink) {
    return new WatchStream(this, nextStreamSeq++, sink);
  }

  public int watcherCount() {
    return watchers.size();
  }

  public int unsyncedCount() {
    return unsynced.size();
  }

  long revision() {
    return store.revision();
  }

  // ---------------------------------------------------------------------------------------------
  // Registration

  Watcher register(WatchStream stream, long id, Bytes key, WatchRequest r) {
    Watcher w = new Watcher(nextWatcherSeq++, stream, id, key, r);
    long current = store.revision();
    long start = r.startRevision();
    watchers.put(w.seq, w);
    if (w.isSingleKey()) {
      singleKey.computeIfAbsent(w.key, k -> new TreeMap<>()).put(w.seq, w);
    } else {
      ranged.put(w.seq, w);
    }
    if (start == 0 || start > current) {
      w.synced = true;
      w.nextRevision = start == 0 ? current + 1 : start;
    } else {
      w.nextRevision = start;
      markUnsynced(w, start, 0);
    }
    return w;
  }

  void unregister(Watcher w) {
    watchers.remove(w.seq);
    if (w.isSingleKey()) {
      TreeMap<Long, Watcher> same = singleKey.get(w.key);
      same.remove(w.seq);
      if (same.isEmpty()) {
        singleKey.remove(w.key);
      }
    } else {
      ranged.remove(w.seq);
    }
    if (!w.synced) {
      unsynced.remove(w.seq);
      w.stream.unsyncedCount--;
    }
  }

  private void markUnsynced(Watcher w, long revision, int sub) {
    w.nextRevision = revision;
    w.nextSub = sub;
    if (w.synced || !unsynced.containsKey(w.seq)) {
      w.synced = false;
      unsynced.put(w.seq, w);
      w.stream.unsyncedCount++;
    }
  }

  private void markSynced(Watcher w) {
    unsynced.remove(w.seq);
    w.stream.unsyncedCount--;
    w.synced = true;
    w.nextRevision = Math.max(w.nextRevision, store.revision() + 1);
    w.nextSub = 0;
    maybeSendPendingProgress(w.stream);
  }

  void maybeSendPendingProgress(WatchStream s) {
    if (s.progressPending && s.unsyncedCount == 0) {
      s.progressPending = false;
      s.sink.progress(WatchStream.ALL_WATCHERS, store.revision());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Synced delivery, right after each apply

  /** Offers every revision applied since the last call to the synced watchers. */
  void onApplied() {
    while (deliveredRevision < store.revision()) {
      long r = ++deliveredRevision;
      if (!watchers.isEmpty()) {
        dispatch(r);
      }
    }
  }

  private void dispatch(long r) {
    RevisionLog log = store.log();
    int n = log.count(r);
    TreeMap<Long, List<Item>> batches = new TreeMap<>();
    // Watchers without prev_kv share one event object per change.
    Item[] shared = new Item[n];
    for (int sub = 0; sub < n; sub++) {
      Version v = log.change(r, sub);
      TreeMap<Long, Watcher> same = singleKey.get(v.key);
      if (same != null) {
        for (Watcher w : same.values()) {
          collect(batches, shared, w, r, sub, v);
        }
      }
      for (Watcher w : ranged.values()) {
        if (w.matches(v.key)) {
          collect(batches, shared, w, r, sub, v);
        }
      }
    }
    for (Map.Entry<Long, List<Item>> e : batches.entrySet()) {
      Watcher w = watchers.get(e.getKey());
      if (w != null && w.synced) {
        offer(w, e.getValue(), r + 1);
      }
    }
  }

  private void collect(
      TreeMap<Long, List<Item>> batches, Item[] shared, Watcher w, long r, int sub, Version v) {
    if (w.synced && r >= w.nextRevision && w.wants(v)) {
      Item it;
      if (w.prevKv) {
        it = item(w, r, sub, v);
      } else {
        if (shared[sub] == null) {
          shared[sub] = item(w, r, sub, v);
        }
        it = shared[sub];
      }
      batches.computeIfAbsent(w.seq, s -> new ArrayList<>()).add(it);
    }
  }

  private static Item item(Watcher w, long r, int sub, Version v) {
    KeyValue kv = v.toKeyValue();
    // etcd attaches prev_kv to updates and deletes, never to creations.
    boolean creation = !v.isTombstone() && v.version == 1;
    Event.Type type = v.isTombstone() ? Event.Type.DELETE : Event.Type.PUT;
    Optional<KeyValue> prev = w.prevKv && !creation ? v.previousKeyValue() : Optional.empty();
    long size = 32 + kv.key().size() + kv.value().size();
    if (prev.isPresent()) {
      size += 32 + prev.get().key().size() + prev.get().value().size();
    }
    return new Item(r, sub, new Event(type, kv, prev), size);
  }

  /**
   * Offers {@code items} (in log order) to {@code w}, split into fragments if it asked for them and
   * they are too large. On success the watcher's position becomes {@code nextRevision}; on a
   * refusal it becomes the first refused item and the watcher is unsynced. Returns success.
   */
  private boolean offer(Watcher w, List<Item> items, long nextRevision) {
    long header = items.get(items.size() - 1).revision();
    List<List<Item>> pieces = w.fragment ? fragments(items) : List.of(items);
    for (int i = 0; i < pieces.size(); i++) {
      List<Item> piece = pieces.get(i);
      List<Event> events = new ArrayList<>(piece.size());
      for (Item it : piece) {
        events.add(it.event());
      }
      boolean more = i + 1 < pieces.size();
      boolean taken = w.stream.sink.offer(w.id, header, events, more);
      if (!watchers.containsKey(w.seq)) {
        return false; // the sink canceled the watcher while we called it
      }
      if (!taken) {
        // Earlier pieces were taken: resume exactly at the first event of this one.
        markUnsynced(w, piece.get(0).revision(), piece.get(0).sub());
        return false;
      }
      w.sentSinceProgress = true;
    }
    if (!w.synced) {
      w.nextRevision = nextRevision;
      w.nextSub = 0;
    }
    return true;
  }

  /** etcd's sendFragments: fill a piece until it reaches the limit, never a piece of nothing. */
  private List<List<Item>> fragments(List<Item> items) {
    long total = 0;
    for (Item it : items) {
      total += it.sizeBytes();
    }
    if (total < config.fragmentBytesMax() || items.size() < 2) {
      return List.of(items);
    }
    List<List<Item>> pieces = new ArrayList<>();
    List<Item> piece = new ArrayList<>();
    long pieceBytes = 0;
    for (Item it : items) {
      if (!piece.isEmpty() && pieceBytes + it.sizeBytes() >= config.fragmentBytesMax()) {
        pieces.add(piece);
        piece = new ArrayList<>();
        pieceBytes = 0;
      }
      piece.add(it);
      pieceBytes += it.sizeBytes();
    }
    pieces.add(piece);
    return pieces;
  }

  // ---------------------------------------------------------------------------------------------
  // Catch-up

  /**
   * Moves unsynced watchers forward: cancels those the compaction passed, offers the others their
   * next batch from the revision log (round robin, at most {@link WatchConfig#pumpChangesMax()} log
   * changes scanned per call), and marks caught-up ones synced. Returns true if some watcher is
   * still behind (call again later, e.g. after the next apply or tick).
   */
  public boolean pump() {
    if (unsynced.isEmpty()) {
      return false;
    }
    List<Watcher> order = new ArrayList<>(unsynced.tailMap(pumpCursor, true).values());
    order.addAll(unsynced.headMap(pumpCursor, false).values());
    long budget = config.pumpChangesMax();
    for (Watcher w : order) {
      if (budget <= 0) {
        break;
      }
      if (watchers.containsKey(w.seq) && !w.synced) {
        budget -= catchUp(w, budget);
        pumpCursor = w.seq + 1;
      }
    }
    return !unsynced.isEmpty();
  }

  /** One batch for {@code w}; returns the number of log changes scanned. */
  private long catchUp(Watcher w, long budget) {
    if (w.nextRevision < store.compactRevision()) {
      if (!skipCompacted) {
        cancelCompacted(w);
        return 1;
      }
      w.nextRevision = store.compactRevision();
      w.nextSub = 0;
    }
    RevisionLog log = store.log();
    long current = store.revision();
    long p = w.nextRevision;
    int s = w.nextSub;
    if (p < log.firstRevision()) {
      // Only revisions without changes (1, or nothing below a compaction at 0 or 1) lie there.
      p = log.firstRevision();
      s = 0;
    }
    List<Item> items = new ArrayList<>();
    long scanned = 0;
    while (p <= current && items.size() < config.catchUpEventsMax() && scanned < budget) {
      int n = log.count(p);
      for (int sub = s; sub < n; sub++) {
        Version v = log.change(p, sub);
        scanned++;
        if (w.matches(v.key) && w.wants(v)) {
          items.add(item(w, p, sub, v));
        }
      }
      p++;
      s = 0;
    }
    if (items.isEmpty() || offer(w, items, p)) {
      if (!watchers.containsKey(w.seq)) {
        return Math.max(1, scanned);
      }
      w.nextRevision = p;
      w.nextSub = 0;
      if (p > current) {
        markSynced(w);
      }
    }
    return Math.max(1, scanned);
  }

  private void cancelCompacted(Watcher w) {
    w.stream.byId.remove(w.id);
    unregister(w);
    w.stream.sink.canceled(w.id, store.compactRevision(), "");
    maybeSendPendingProgress(w.stream);
  }

  // ---------------------------------------------------------------------------------------------
  // Progress

  /**
   * etcd's progress notify: every {@link WatchConfig#progressIntervalMillis()}, each synced watcher
   * with {@code progress_notify} that received nothing since the previous tick hears {@code
   * progress(id, currentRevision)}. The first call only starts the clock.
   */
  public void progress(long nowMillis) {
    if (nextProgressAtMillis == Long.MIN_VALUE) {
      nextProgressAtMillis = nowMillis + config.progressIntervalMillis();
      return;
    }
    if (nowMillis < nextProgressAtMillis) {
      return;
    }
    nextProgressAtMillis = nowMillis + config.progressIntervalMillis();
    for (Watcher w : new ArrayList<>(watchers.values())) {
      if (w.progressNotify) {
        if (!w.sentSinceProgress && w.synced) {
          w.stream.sink.progress(w.id, store.revision());
        }
        w.sentSinceProgress = false;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Restore

  /**
   * The store was replaced by a snapshot: synced watchers that missed revisions catch up from the
   * new log (or are canceled if it was compacted past them).
   */
  void onRestored() {
    long current = store.revision();
    for (Watcher w : watchers.values()) {
      if (w.synced) {
        long position = Math.max(w.nextRevision, deliveredRevision + 1);
        if (position <= current) {
          markUnsynced(w, position, 0);
        } else {
          w.nextRevision = position;
        }
      }
    }
    deliveredRevision = current;
  }
}
