package io.synod.server.etcd;

import io.synod.common.Bytes;
import io.synod.kv.Event;
import io.synod.kv.KeyValue;
import io.synod.kv.KvResponse;
import io.synod.kv.KvStateMachine;
import io.synod.kv.WatchCreateResult;
import io.synod.kv.WatchRequest;
import io.synod.kv.WatchSink;
import io.synod.kv.WatchStream;
import java.util.List;

/**
 * Follows the leader of one election (etcd's {@code Election.observe}, run inside the member): the
 * leader is the key under the prefix with the lowest create revision. It reports the leader found
 * at the start, every PUT on the leader's key (a proclaim), and the next leader when the leader's
 * key is deleted; with no leader, the first key put under the prefix becomes the leader.
 *
 * <pre>
 *   start: leader = first created under prefix ─▶ report(current revision, kv) if there is one
 *   event on the leader's key: PUT ─▶ report(revision, kv)
 *                              DELETE ─▶ leader = first created at that revision ─▶ report it
 *   no leader: first PUT under the prefix ─▶ leader = its key ─▶ report(its mod revision, kv)
 * </pre>
 *
 * <p>One watcher on the whole prefix, of the member's own state machine. Like etcd's observer it
 * does not promise every intermediate leader to a slow client (the stream coalesces), but the last
 * report is always the current leader.
 *
 * <p><b>Threads.</b> Everything runs on the replica loop's thread, {@code reports} included (it
 * must not block).
 */
final class LeaderObserver implements WatchSink {
  /** Where reports go, on the loop thread. */
  @FunctionalInterface
  interface Reports {
    void leader(long headerRevision, KeyValue kv);
  }

  private final Bytes prefix;
  private final Bytes prefixEnd;
  private final Reports reports;

  private KvStateMachine sm;
  private WatchStream stream;
  private long watchId = -1;
  private boolean closed;

  /** The current leader's key, or null when there is none. */
  private Bytes leader;

  /** Events on the leader's key at or below this revision were already reflected. */
  private long leaderSeenRevision;

  LeaderObserver(Bytes prefix, Reports reports) {
    this.prefix = prefix;
    this.prefixEnd = ConcurrencyRecipes.prefixEnd(prefix);
    this.reports = reports;
  }

  /** Starts following on {@code sm} and reports the current leader, if any. Loop thread. */
  void start(KvStateMachine sm) {
    if (closed) {
      return;
    }
    this.sm = sm;
    this.stream = sm.watchHub().openStream(this);
    watch();
    lookUp(0);
  }

  /** Stops following. Loop thread; idempotent. */
  void close() {
    closed = true;
    if (stream != null) {
      stream.close();
    }
  }

  private void watch() {
    WatchCreateResult r =
        stream.create(new WatchRequest(prefix, prefixEnd, 0, false, false, false, false, 0, false));
    watchId = ((WatchCreateResult.Created) r).watchId();
  }

  /** Finds the leader at {@code revision} (0: now) and reports it if there is one. */
  private void lookUp(long revision) {
    KvResponse r = sm.range(ConcurrencyRecipes.firstCreated(prefix, revision));
    if (r instanceof KvResponse.Error) {
      r = sm.range(ConcurrencyRecipes.firstCreated(prefix, 0)); // compacted meanwhile
    }
    KvResponse.Range range = (KvResponse.Range) r;
    if (range.kvs().isEmpty()) {
      leader = null;
      return;
    }
    KeyValue kv = range.kvs().get(0);
    leader = kv.key();
    leaderSeenRevision = range.revision();
    reports.leader(range.revision(), kv);
  }

  // ---------------------------------------------------------------------------------------------
  // WatchSink (loop thread)

  @Override
  public boolean offer(long id, long revision, List<Event> events, boolean fragment) {
    if (closed || id != watchId) {
      return true;
    }
    for (Event e : events) {
      KeyValue kv = e.kv();
      if (leader == null) {
        if (e.type() == Event.Type.PUT) {
          leader = kv.key();
          leaderSeenRevision = kv.modRevision();
          reports.leader(kv.modRevision(), kv);
        }
      } else if (kv.key().equals(leader) && kv.modRevision() > leaderSeenRevision) {
        if (e.type() == Event.Type.PUT) {
          leaderSeenRevision = kv.modRevision();
          reports.leader(revision, kv);
        } else {
          lookUp(kv.modRevision());
        }
      }
    }
    return true;
  }

  @Override
  public void canceled(long id, long compactRevision, String reason) {
    // Only a compaction after a snapshot restore cancels the watcher (it never refuses an offer):
    // follow again from the restored state, reporting the leader found there.
    if (closed || id != watchId) {
      return;
    }
    watch();
    lookUp(0);
  }

  @Override
  public void progress(long id, long revision) {
    // Not asked for.
  }
}
