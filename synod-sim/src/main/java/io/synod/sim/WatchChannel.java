package io.synod.sim;

import io.synod.kv.Event;
import io.synod.kv.KvStateMachine;
import io.synod.kv.WatchSink;
import io.synod.kv.WatchStream;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * One watch stream between a watcher and one incarnation of a replica, as over TCP: both directions
 * deliver in order (each message takes a network delay, but never overtakes the one before), and
 * nothing is lost or duplicated while the stream lives. It breaks when the replica crashes or is
 * shut down, or when the watcher closes it; messages still on the way to a closed end are dropped.
 *
 * <p>The replica's end is a {@link WatchStream} of its hub with a {@link WatchSink} that behaves as
 * a slow consumer: it refuses an offer when the events in flight to the watcher would exceed its
 * buffer, and sometimes at random; the hub then catches the watcher up later. The sink also checks
 * that the replica sends nothing beyond what it applied.
 *
 * <p>Owned by the simulation thread.
 */
final class WatchChannel {
  private final Simulation sim;
  private final SimWatcher owner;
  final SimNode node;
  final long incarnation;
  private final WatchStream stream;
  private boolean clientClosed;
  private boolean serverClosed;
  private long toClientAtMicros;
  private long toNodeAtMicros;
  private int bufferedEvents;
  long refusals;

  WatchChannel(Simulation sim, SimWatcher owner, SimNode node) {
    this.sim = sim;
    this.owner = owner;
    this.node = node;
    this.incarnation = node.incarnation();
    this.stream = node.stateMachine().watchHub().openStream(new Sink());
  }

  boolean isOpen() {
    return !clientClosed;
  }

  /** Runs {@code action} on the replica's end, in order, if the stream still lives there. */
  void toNode(Consumer<WatchStream> action) {
    long at = Math.max(sim.nowMicros() + sim.network().streamDelay(), toNodeAtMicros);
    toNodeAtMicros = at;
    sim.events().after(at - sim.nowMicros(), () -> atNode(action));
  }

  private void atNode(Consumer<WatchStream> action) {
    if (serverClosed || !node.isUp() || node.incarnation() != incarnation) {
      return;
    }
    if (node.isPaused(sim.nowMicros())) {
      sim.events().after(node.pausedUntilMicros() - sim.nowMicros(), () -> atNode(action));
      return;
    }
    action.accept(stream);
  }

  /** Runs {@code action} at the watcher, in order, unless the watcher closed the stream. */
  void toClient(Runnable action) {
    long at = Math.max(sim.nowMicros() + sim.network().streamDelay(), toClientAtMicros);
    toClientAtMicros = at;
    sim.events()
        .after(
            at - sim.nowMicros(),
            () -> {
              if (!clientClosed) {
                action.run();
              }
            });
  }

  /**
   * The watcher hangs up: its end drops what still arrives, the replica's end closes the stream.
   */
  void close() {
    clientClosed = true;
    toNode(
        s -> {
          serverClosed = true;
          s.close();
        });
  }

  /** The replica's process is gone: the watcher learns it after what was already on the way. */
  void onNodeDown() {
    serverClosed = true;
    toClient(() -> owner.onBroken(this));
  }

  private void consumed(int n) {
    bufferedEvents -= n;
  }

  private final class Sink implements WatchSink {
    @Override
    public boolean offer(long watchId, long revision, List<Event> events, boolean fragment) {
      KvStateMachine sm = node.stateMachine();
      long applied = sm.revision();
      long highest = revision;
      for (Event e : events) {
        highest = Math.max(highest, e.kv().modRevision());
      }
      if (highest > applied) {
        throw new SimulationFailure(
            String.format(
                Locale.ROOT,
                "watch: node %d offered revision %d to watch %d but has applied only revision %d",
                node.id,
                highest,
                watchId,
                applied));
      }
      if (serverClosed) {
        return false;
      }
      // A buffer of messages in flight: an empty one takes any response.
      boolean full = bufferedEvents > 0 && bufferedEvents + events.size() > owner.bufferEvents();
      if (full || owner.refuseNow()) {
        refusals++;
        return false;
      }
      bufferedEvents += events.size();
      List<Event> copy = List.copyOf(events);
      long compactAtSend = sm.compactRevision();
      int n = copy.size();
      toClient(
          () -> {
            owner.onEvents(WatchChannel.this, watchId, revision, copy, fragment, compactAtSend);
            sim.events().after(owner.consumeDelayMicros(), () -> consumed(n));
          });
      return true;
    }

    @Override
    public void canceled(long watchId, long compactRevision, String reason) {
      long nodeCompact = node.stateMachine().compactRevision();
      if (compactRevision != 0 && compactRevision != nodeCompact) {
        throw new SimulationFailure(
            String.format(
                Locale.ROOT,
                "watch: node %d canceled watch %d at compact revision %d, its own is %d",
                node.id,
                watchId,
                compactRevision,
                nodeCompact));
      }
      toClient(() -> owner.onCanceled(WatchChannel.this, watchId, compactRevision));
    }

    @Override
    public void progress(long watchId, long revision) {
      toClient(() -> owner.onProgress(WatchChannel.this, watchId, revision));
    }
  }
}
