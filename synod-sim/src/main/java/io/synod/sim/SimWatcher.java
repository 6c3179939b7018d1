package io.synod.sim;

import io.synod.common.Bytes;
import io.synod.kv.Event;
import io.synod.kv.WatchCreateResult;
import io.synod.kv.WatchRequest;
import io.synod.kv.WatchStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A watching client: one stream at a time to some replica, carrying a few logical watches (single
 * keys, key ranges, all keys, leased keys; with filters, prev_kv, fragments, progress notify;
 * starting now or at a past revision). It consumes slowly (its stream's sink refuses offers), asks
 * for progress, and now and then hangs up and resumes every watch on another replica from its last
 * complete revision + 1, as etcd's client does. A broken stream (the replica crashed) is resumed
 * the same way; a watch canceled by compaction ends and a new one starts. Everything it receives is
 * judged by the {@link WatchChecker}.
 *
 * <p>In the liveness phase it stops its random actions, moves to a member of the cluster if needed,
 * and must see a stream-wide progress notification at the final committed revision.
 */
final class SimWatcher {
  private static final Bytes ALL = Bytes.wrapOwned(new byte[] {0});

  private final Simulation sim;
  private final WorkloadOptions options;
  private final SplittableRandom random;
  private final WatchChecker checker;
  final int id;

  private final List<WatchChecker.Watch> watches = new ArrayList<>();
  private final TreeMap<Long, WatchChecker.Watch> byWatchId = new TreeMap<>();
  private final TreeMap<Long, Long> cancelRequested = new TreeMap<>();

  /** Pieces of fragmented responses, per watch id, with the compaction point at each send. */
  private final TreeMap<Long, List<Piece>> pending = new TreeMap<>();

  private record Piece(List<Event> events, long compactAtSend) {}

  private WatchChannel channel;
  private int nextWatchNumber;
  private boolean stopped;
  private long caughtUpRevision;
  private long reconnects;

  SimWatcher(Simulation sim, int id, SplittableRandom random, WatchChecker checker) {
    this.sim = sim;
    this.options = sim.workload();
    this.id = id;
    this.random = random;
    this.checker = checker;
  }

  void start() {
    int n = 1 + random.nextInt(options.watchesPerStreamMax());
    for (int i = 0; i < n; i++) {
      watches.add(newWatch());
    }
    sim.events().after(random.nextLong(100_000), () -> connect(sim.randomNodeId(random)));
    if (options.reconnectMeanMicros() > 0) {
      scheduleAction();
    }
    scheduleProgressRequest();
  }

  // ------------------------------------------------------------------ the sink's behaviour

  int bufferEvents() {
    return options.sinkBufferEvents();
  }

  boolean refuseNow() {
    return options.refuseRate() > 0 && random.nextDouble() < options.refuseRate();
  }

  long consumeDelayMicros() {
    return random.nextLong(options.refuseRate() > 0 ? 50_000 : 2_000);
  }

  // ------------------------------------------------------------------ watches and streams

  private WatchChecker.Watch newWatch() {
    Bytes key;
    Bytes end;
    int keys = sim.options().keys();
    switch (random.nextInt(5)) {
      case 0, 1 -> {
        key = Bytes.utf8("k" + random.nextInt(keys));
        end = Bytes.EMPTY;
      }
      case 2 -> {
        key = Bytes.utf8("k" + random.nextInt(keys));
        end = Bytes.utf8("k:");
      }
      case 3 -> {
        key = ALL;
        end = ALL;
      }
      default -> {
        key = Bytes.utf8("l");
        end = Bytes.utf8("m");
      }
    }
    boolean filter = random.nextDouble() < options.filterRate();
    boolean noPut = filter && random.nextBoolean();
    boolean noDelete = filter && !noPut;
    long start = 0;
    long observed = sim.observedRevision();
    if (observed > 1 && random.nextDouble() < options.pastStartRate()) {
      start = Math.max(1, observed - random.nextInt(40));
    }
    return new WatchChecker.Watch(
        nextWatchNumber++,
        key,
        end,
        start,
        noPut,
        noDelete,
        random.nextDouble() < options.prevKvRate(),
        random.nextDouble() < options.fragmentRate(),
        random.nextDouble() < options.progressNotifyRate());
  }

  private void connect(long nodeId) {
    if (channel != null && channel.isOpen()) {
      channel.close();
    }
    channel = null;
    byWatchId.clear();
    cancelRequested.clear();
    pending.clear();
    caughtUpRevision = 0;
    SimNode node = sim.node(nodeId);
    if (node == null || !node.isUp()) {
      sim.events().after(10_000 + random.nextLong(50_000), this::reconnect);
      return;
    }
    channel = new WatchChannel(sim, this, node);
    for (WatchChecker.Watch w : watches) {
      if (!w.ended) {
        create(w);
      }
    }
  }

  private void reconnect() {
    reconnects++;
    connect(stopped ? sim.randomMemberId(random) : sim.randomNodeId(random));
  }

  private void create(WatchChecker.Watch w) {
    WatchChannel c = channel;
    WatchRequest request =
        new WatchRequest(
            w.key,
            w.rangeEnd,
            w.resumeRevision(),
            w.progressNotify,
            w.noPut,
            w.noDelete,
            w.prevKv,
            0,
            w.fragment);
    c.toNode(
        stream -> {
          WatchCreateResult result = stream.create(request);
          c.toClient(() -> onCreated(c, w, result));
        });
  }

  private void onCreated(WatchChannel c, WatchChecker.Watch w, WatchCreateResult result) {
    if (c != channel) {
      return;
    }
    if (!(result instanceof WatchCreateResult.Created created)) {
      throw new SimulationFailure("watch: " + w + ": node " + c.node.id + " refused " + result);
    }
    sim.fold(25, id * 1_000_003L + w.number, created.revision());
    checker.onCreated(w, created.revision(), c.node.id);
    byWatchId.put(created.watchId(), w);
  }

  void onEvents(
      WatchChannel c,
      long watchId,
      long revision,
      List<Event> events,
      boolean fragment,
      long compactAtSend) {
    if (c != channel) {
      return;
    }
    WatchChecker.Watch w = byWatchId.get(watchId);
    if (w == null) {
      throw new SimulationFailure(
          "watch: node " + c.node.id + " sent events for unknown watch id " + watchId);
    }
    if (w.ended) {
      return;
    }
    List<Piece> pieces = pending.computeIfAbsent(watchId, x -> new ArrayList<>());
    pieces.add(new Piece(events, compactAtSend));
    if (fragment) {
      return;
    }
    pending.remove(watchId);
    sim.fold(26, id * 1_000_003L + w.number, revision);
    for (Piece p : pieces) {
      checker.onEvents(w, p.events(), p.compactAtSend(), c.node.id);
    }
  }

  void onCanceled(WatchChannel c, long watchId, long compactRevision) {
    if (c != channel) {
      return;
    }
    WatchChecker.Watch w = byWatchId.remove(watchId);
    pending.remove(watchId);
    if (w == null) {
      throw new SimulationFailure(
          "watch: node " + c.node.id + " canceled unknown watch id " + watchId);
    }
    sim.fold(27, id * 1_000_003L + w.number, compactRevision);
    if (compactRevision > 0) {
      checker.onCompactionCancel(w, compactRevision, c.node.id);
    } else if (cancelRequested.remove(watchId) == null) {
      throw new SimulationFailure("watch: " + w + ": node " + c.node.id + " canceled it unasked");
    }
    w.ended = true;
    watches.remove(w);
    if (!stopped) {
      sim.events().after(random.nextLong(200_000), this::addWatch);
    }
  }

  void onProgress(WatchChannel c, long watchId, long revision) {
    if (c != channel) {
      return;
    }
    sim.fold(28, id * 1_000_003L + watchId, revision);
    if (watchId == WatchStream.ALL_WATCHERS) {
      for (var e : byWatchId.entrySet()) {
        progress(c, e.getKey(), e.getValue(), revision);
      }
      caughtUpRevision = Math.max(caughtUpRevision, revision);
    } else {
      WatchChecker.Watch w = byWatchId.get(watchId);
      if (w != null) {
        progress(c, watchId, w, revision);
      }
    }
  }

  private void progress(WatchChannel c, long watchId, WatchChecker.Watch w, long revision) {
    if (pending.containsKey(watchId)) {
      throw new SimulationFailure(
          "watch: "
              + w
              + ": node "
              + c.node.id
              + " reported progress inside a fragmented response");
    }
    checker.onProgress(w, revision, c.node.id);
  }

  /** The replica behind {@code c} went down: resume elsewhere after a while. */
  void onBroken(WatchChannel c) {
    if (c != channel) {
      return;
    }
    channel = null;
    sim.events().after(5_000 + random.nextLong(100_000), this::reconnect);
  }

  /** Called when a node goes down or is shut down for good. */
  void onNodeDown(SimNode node, long incarnation) {
    if (channel != null && channel.node == node && channel.incarnation == incarnation) {
      channel.onNodeDown();
    }
  }

  private void addWatch() {
    if (stopped || watches.size() >= options.watchesPerStreamMax()) {
      return;
    }
    WatchChecker.Watch w = newWatch();
    watches.add(w);
    if (channel != null && channel.isOpen()) {
      create(w);
    }
  }

  // ------------------------------------------------------------------ random actions

  private void scheduleAction() {
    long delay = (long) (-Math.log(1 - random.nextDouble()) * options.reconnectMeanMicros());
    sim.events()
        .after(
            delay,
            () -> {
              if (stopped) {
                return;
              }
              randomAction();
              scheduleAction();
            });
  }

  private void randomAction() {
    int choice = random.nextInt(10);
    if (choice < 5 || channel == null) {
      if (channel != null) {
        channel.close();
        channel = null;
      }
      reconnect();
    } else if (choice < 8 && !byWatchId.isEmpty()) {
      List<Long> ids = new ArrayList<>(byWatchId.keySet());
      long watchId = ids.get(random.nextInt(ids.size()));
      if (cancelRequested.putIfAbsent(watchId, watchId) == null) {
        channel.toNode(stream -> stream.cancel(watchId));
      }
    } else {
      addWatch();
    }
  }

  private void scheduleProgressRequest() {
    long mean = stopped ? 50_000 : options.progressRequestMeanMicros();
    long delay = (long) (-Math.log(1 - random.nextDouble()) * mean);
    sim.events()
        .after(
            delay,
            () -> {
              if (channel != null && channel.isOpen()) {
                channel.toNode(WatchStream::requestProgress);
              }
              scheduleProgressRequest();
            });
  }

  // ------------------------------------------------------------------ liveness

  /** The liveness phase: no more random actions; stay on a member of the cluster. */
  void stop() {
    stopped = true;
  }

  /** Called during the liveness phase: moves off a replica that will never catch up. */
  void keepOnMember() {
    if (channel != null && channel.isOpen() && !sim.isMember(channel.node.id)) {
      channel.close();
      channel = null;
      reconnect();
    }
  }

  /** Whether the stream reported progress at {@code revision} with every watch created. */
  boolean caughtUp(long revision) {
    if (channel == null || !channel.isOpen() || caughtUpRevision < revision) {
      return false;
    }
    for (WatchChecker.Watch w : watches) {
      if (!w.ended && !byWatchId.containsValue(w)) {
        return false;
      }
    }
    return true;
  }

  long reconnects() {
    return reconnects;
  }

  String describe() {
    return "watcher "
        + id
        + (channel == null ? " (no stream)" : " on node " + channel.node.id)
        + " progress "
        + caughtUpRevision
        + " watches "
        + watches;
  }
}
