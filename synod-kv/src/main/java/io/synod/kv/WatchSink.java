package io.synod.kv;

import java.util.List;

/**
 * Where a watcher's responses go (a gRPC stream, a test). Called on the replica loop's thread and
 * must never block: a sink that cannot take more returns false from {@link #offer}, and the hub
 * then catches the watcher up from history later instead of losing events.
 */
public interface WatchSink {
  /**
   * Events of one or more whole revisions (or one fragment of a revision with {@code fragment}
   * set), in revision order. {@code revision} is the header revision. Returns false if the sink is
   * full; the hub then keeps the events and offers them again later.
   */
  boolean offer(long watchId, long revision, List<Event> events, boolean fragment);

  /** The watcher ended: by request, by compaction past its next revision, or by an error. */
  void canceled(long watchId, long compactRevision, String reason);

  /** A progress notification: nothing for this watcher up to {@code revision}. */
  void progress(long watchId, long revision);
}
