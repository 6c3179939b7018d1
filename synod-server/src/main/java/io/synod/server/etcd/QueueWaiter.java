package io.synod.server.etcd;

import io.synod.common.Bytes;
import io.synod.kv.Event;
import io.synod.kv.KeyValue;
import io.synod.kv.KvResponse;
import io.synod.kv.KvStateMachine;
import io.synod.kv.RangeRequest;
import io.synod.kv.WatchCreateResult;
import io.synod.kv.WatchRequest;
import io.synod.kv.WatchSink;
import io.synod.kv.WatchStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One waiter in the queue of a lock or an election (etcd's {@code concurrency.waitDeletes}, run
 * inside the member): it owns {@code ownKey}, created at {@code ownRevision} under {@code prefix},
 * and its turn comes when no key under the prefix has a lower create revision. Revisions only grow,
 * so the keys ahead of it can only go away; it watches the last of them (its predecessor) for a
 * DELETE and looks again when that comes, exactly as etcd's recipe does.
 *
 * <pre>
 *   start ──▶ look: own key still at ownRevision? ── no ──▶ OwnKeyGone
 *               │ yes
 *               ├── nothing under the prefix created before ownRevision ──▶ Came(revision)
 *               └── else watch the last such key (DELETE only) ──▶ its DELETE ──▶ look again
 *   own key's DELETE (lease expired or revoked, key deleted) ─────────────────▶ OwnKeyGone
 *   cancel (the client's call ended) ─────────────────────────────────────────▶ Cancelled
 * </pre>
 *
 * <p>Unlike etcd 3.4.23, which keeps waiting after its own key is gone and may then report the lock
 * acquired with a key that no longer exists, the waiter also watches its own key and ends at once
 * when it goes. Waiting uses watchers of the member's own {@link KvStateMachine}, so a follower
 * waits on its applied state; the caller must start it on a state no older than its request (once
 * the member has applied the write that created or found {@code ownKey}: {@link
 * ConcurrencyRecipes#awaitTurn}).
 *
 * <p><b>Threads.</b> {@link #start}, {@link #cancel} and the {@link WatchSink} methods run on the
 * replica loop's thread; {@link #result()} completes on {@code executor}.
 */
final class QueueWaiter implements WatchSink {
  /** How a wait ended. */
  sealed interface Turn {
    /** Nothing is ahead any more; {@code revision} is the store revision when that was seen. */
    record Came(long revision) implements Turn {}

    /** The waiter's own key was deleted (or re-created) before its turn came. */
    record OwnKeyGone() implements Turn {}

    /** The waiter was cancelled before its turn came. */
    record Cancelled() implements Turn {}
  }

  private static final long NONE = Long.MIN_VALUE;

  private final Bytes prefix;
  private final Bytes prefixEnd;
  private final Bytes ownKey;
  private final long ownRevision;
  private final Executor executor;
  private final CompletableFuture<Turn> result = new CompletableFuture<>();

  private KvStateMachine sm;
  private WatchStream stream;
  private long ownWatch = NONE;
  private long predecessorWatch = NONE;
  private boolean done;

  QueueWaiter(Bytes prefix, Bytes ownKey, long ownRevision, Executor executor) {
    this.prefix = prefix;
    this.prefixEnd = ConcurrencyRecipes.prefixEnd(prefix);
    this.ownKey = ownKey;
    this.ownRevision = ownRevision;
    this.executor = executor;
  }

  /** How the wait ended; completes once, off the loop thread. */
  CompletableFuture<Turn> result() {
    return result;
  }

  /** Starts waiting on {@code sm}, unless cancelled already. Loop thread. */
  void start(KvStateMachine sm) {
    if (done) {
      return;
    }
    this.sm = sm;
    this.stream = sm.watchHub().openStream(this);
    ownWatch = watchDeletes(ownKey);
    look();
  }

  /** Ends the wait with {@link Turn.Cancelled} unless it ended already. Loop thread. */
  void cancel() {
    if (!done) {
      finish(new Turn.Cancelled());
    }
  }

  /** Checks the own key and the keys ahead of it; watches the last of those. */
  private void look() {
    KeyValue own = first(sm.range(RangeRequest.single(ownKey)));
    if (own == null || own.createRevision() != ownRevision) {
      finish(new Turn.OwnKeyGone());
      return;
    }
    KvResponse ahead =
        sm.range(
            new RangeRequest(
                prefix,
                prefixEnd,
                1,
                0,
                RangeRequest.SortOrder.DESCEND,
                RangeRequest.SortTarget.CREATE,
                true,
                true,
                false,
                0,
                0,
                0,
                ownRevision - 1));
    KeyValue last = first(ahead);
    if (last == null) {
      finish(new Turn.Came(sm.revision()));
      return;
    }
    long old = predecessorWatch;
    predecessorWatch = NONE; // so the cancel below is not taken for a lost watcher
    if (old != NONE) {
      stream.cancel(old);
    }
    predecessorWatch = watchDeletes(last.key());
  }

  private static KeyValue first(KvResponse r) {
    if (r instanceof KvResponse.Range range && !range.kvs().isEmpty()) {
      return range.kvs().get(0);
    }
    return null;
  }

  /** A watcher of {@code key}'s deletions from the next revision on; its id. */
  private long watchDeletes(Bytes key) {
    WatchCreateResult created =
        stream.create(new WatchRequest(key, Bytes.EMPTY, 0, false, true, false, false, 0, false));
    return ((WatchCreateResult.Created) created).watchId();
  }

  private void finish(Turn turn) {
    done = true;
    if (stream != null) {
      stream.close();
    }
    executor.execute(() -> result.complete(turn));
  }

  // ---------------------------------------------------------------------------------------------
  // WatchSink (loop thread)

  @Override
  public boolean offer(long watchId, long revision, List<Event> events, boolean fragment) {
    if (done) {
      return true;
    }
    for (Event e : events) {
      if (e.type() != Event.Type.DELETE) {
        continue;
      }
      if (watchId == ownWatch) {
        finish(new Turn.OwnKeyGone());
        return true;
      }
      if (watchId == predecessorWatch) {
        look();
        return true;
      }
    }
    return true;
  }

  @Override
  public void canceled(long watchId, long compactRevision, String reason) {
    // Only a compaction after a snapshot restore cancels these watchers (they never refuse an
    // offer): look again at the restored state.
    if (done) {
      return;
    }
    if (watchId == ownWatch) {
      ownWatch = watchDeletes(ownKey);
      look();
    } else if (watchId == predecessorWatch) {
      predecessorWatch = NONE;
      look();
    }
  }

  @Override
  public void progress(long watchId, long revision) {
    // Not asked for.
  }
}
