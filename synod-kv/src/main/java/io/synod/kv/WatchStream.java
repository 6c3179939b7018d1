package io.synod.kv;

import io.synod.common.Bytes;
import java.util.ArrayList;
import java.util.TreeMap;

/**
 * One client watch stream (etcd's {@code WatchStream}): its own space of watch ids, starting at 0,
 * and one {@link WatchSink} that receives the responses of all its watchers.
 *
 * <p>{@link #create} never calls the sink, so the API edge can send {@code created} first; the
 * watcher's first events (or its compaction cancel) come later, from the hub's {@code
 * onApplied}/{@link WatchHub#pump()} calls.
 *
 * <p><b>Threads.</b> Confined to the replica loop's thread, like the hub that made it.
 */
public final class WatchStream {
  /** etcd's reason for a watch id already in use on the stream. */
  public static final String DUPLICATE_ID = "mvcc: duplicate watch ID provided on the WatchStream";

  /** etcd's reason for a range with {@code key >= range_end}. */
  public static final String EMPTY_RANGE = "mvcc: watcher range is empty";

  /** The watch id of a stream-wide progress notification (etcd's convention, -1). */
  public static final long ALL_WATCHERS = -1;

  private final WatchHub hub;
  final long seq;
  final WatchSink sink;
  final TreeMap<Long, Watcher> byId = new TreeMap<>();
  private long nextAutoId;
  int unsyncedCount;
  boolean progressPending;
  private boolean closed;

  WatchStream(WatchHub hub, long seq, WatchSink sink) {
    this.hub = hub;
    this.seq = seq;
    this.sink = sink;
  }

  /**
   * Creates a watcher (etcd's WatchCreateRequest): an empty key means {@code \0}; {@code watchId} 0
   * picks the lowest free id from a counter starting at 0; a start revision of 0 means the next
   * revision, a past one replays history inclusively, a future one waits.
   */
  public WatchCreateResult create(WatchRequest request) {
    Bytes key = request.key().isEmpty() ? Bytes.wrapOwned(new byte[] {0}) : request.key();
    Bytes end = request.rangeEnd();
    if (closed || (!end.isEmpty() && !MvccStore.isFromKey(end) && key.compareTo(end) >= 0)) {
      return new WatchCreateResult.Rejected(EMPTY_RANGE);
    }
    long id;
    if (request.watchId() == 0) {
      while (byId.containsKey(nextAutoId)) {
        nextAutoId++;
      }
      id = nextAutoId++;
    } else if (byId.containsKey(request.watchId())) {
      return new WatchCreateResult.Rejected(DUPLICATE_ID);
    } else {
      id = request.watchId();
    }
    Watcher w = hub.register(this, id, key, request);
    byId.put(id, w);
    return new WatchCreateResult.Created(id, hub.revision());
  }

  /**
   * Cancels a watcher at the client's request: the sink hears {@code canceled(id, 0, "")}. Returns
   * false (and says nothing) for an unknown id, as etcd.
   */
  public boolean cancel(long watchId) {
    Watcher w = byId.remove(watchId);
    if (w == null) {
      return false;
    }
    hub.unregister(w);
    sink.canceled(watchId, 0, "");
    hub.maybeSendPendingProgress(this);
    return true;
  }

  /**
   * etcd's progress_request: once every watcher of the stream has caught up, the sink hears {@code
   * progress(ALL_WATCHERS, currentRevision)}: at once if none is behind, else when the last one
   * catches up (so the revision never promises events the stream has not had).
   */
  public void requestProgress() {
    progressPending = true;
    hub.maybeSendPendingProgress(this);
  }

  /** The client went away: drops every watcher without telling the sink. */
  public void close() {
    closed = true;
    for (Watcher w : new ArrayList<>(byId.values())) {
      hub.unregister(w);
    }
    byId.clear();
  }

  public int watcherCount() {
    return byId.size();
  }
}
