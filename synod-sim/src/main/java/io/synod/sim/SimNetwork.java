package io.synod.sim;

import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * A lossy, reordering network between simulated endpoints (replicas and clients, by id). Each
 * message is independently dropped, duplicated and delayed by draws from the seed; a random delay
 * per message also reorders them. Partitions block chosen directed links between replicas: a
 * symmetric partition blocks both directions, an asymmetric one only one.
 */
final class SimNetwork {
  private final EventQueue events;
  private final SplittableRandom random;
  private final SimOptions options;
  private final TraceHash trace;

  /** Blocked directed links, encoded as from * 2^32 + to. */
  private final TreeSet<Long> blocked = new TreeSet<>();

  private boolean faultsOn = true;
  private long sent;
  private long dropped;
  private long duplicated;

  SimNetwork(EventQueue events, SplittableRandom random, SimOptions options, TraceHash trace) {
    this.events = events;
    this.random = random;
    this.options = options;
    this.trace = trace;
  }

  /** Sends one message; {@code deliver} runs at the receiver if and when it arrives. */
  void send(long from, long to, int kind, Runnable deliver) {
    send(from, to, kind, true, deliver);
  }

  /**
   * Sends one message that the network never duplicates (a client's request: etcd has no client
   * sessions, so a duplicated write would apply twice). It may still be dropped or delayed.
   */
  void sendOnce(long from, long to, int kind, Runnable deliver) {
    send(from, to, kind, false, deliver);
  }

  private void send(long from, long to, int kind, boolean mayDuplicate, Runnable deliver) {
    sent++;
    if (blocked.contains(link(from, to))) {
      dropped++;
      trace.fold(from, to, kind, -1);
      return;
    }
    if (faultsOn && options.dropRate() > 0 && random.nextDouble() < options.dropRate()) {
      dropped++;
      trace.fold(from, to, kind, -2);
      return;
    }
    events.after(delay(), deliver);
    if (mayDuplicate
        && faultsOn
        && options.duplicateRate() > 0
        && random.nextDouble() < options.duplicateRate()) {
      duplicated++;
      events.after(delay(), deliver);
    }
  }

  /**
   * A delay as a message would see it, for ordered streams (watch streams, as over TCP), which
   * deliver in order on top of it.
   */
  long streamDelay() {
    return delay();
  }

  private long delay() {
    long min = options.delayMinMicros();
    long max = options.delayMaxMicros();
    long d = min + random.nextLong(max - min + 1);
    if (faultsOn && options.longDelayRate() > 0 && random.nextDouble() < options.longDelayRate()) {
      // A straggler: arrives long after messages sent later, as on a congested path.
      d += random.nextLong(20L * max + 1);
    }
    return d;
  }

  void block(long from, long to) {
    blocked.add(link(from, to));
  }

  void healAll() {
    blocked.clear();
  }

  boolean isPartitioned() {
    return !blocked.isEmpty();
  }

  /** Turns drops, duplicates and stragglers off (the liveness phase). */
  void calm() {
    faultsOn = false;
    blocked.clear();
  }

  long sent() {
    return sent;
  }

  long dropped() {
    return dropped;
  }

  long duplicated() {
    return duplicated;
  }

  private static long link(long from, long to) {
    return (from << 32) | to;
  }
}
