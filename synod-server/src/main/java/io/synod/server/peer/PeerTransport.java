package io.synod.server.peer;

import io.synod.common.Bytes;
import io.synod.raft.Envelope;
import io.synod.raft.replica.Transport;
import io.synod.server.member.MemberIds;
import io.synod.server.node.Forwarder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The outgoing half of the peer transport: Raft envelopes to the other members, over one gRPC
 * stream per peer ({@link PeerLink}), and {@link Forwarder} calls. {@link #send} is what the
 * replica loop calls; it only queues (bounded, drop on overflow), never blocks. An envelope for a
 * member this node does not know is dropped and counted.
 *
 * <p>Members are added and removed while running, as membership changes apply ({@link PeerRoster}).
 * Safe from any thread.
 */
public final class PeerTransport implements Transport, Forwarder, AutoCloseable {
  /**
   * Knobs.
   *
   * @param queueMessagesMax the most envelopes queued for one peer
   * @param queueBytesMax the most encoded bytes queued for one peer
   * @param backoffMin the first wait before reopening a broken stream
   * @param backoffMax the longest wait before reopening a broken stream
   * @param forwardTimeout the deadline of a forward call
   * @param senderThreads threads that drain the peers' queues
   */
  public record Options(
      int queueMessagesMax,
      long queueBytesMax,
      Duration backoffMin,
      Duration backoffMax,
      Duration forwardTimeout,
      int senderThreads) {
    public static Options defaults() {
      return new Options(
          4096, 64L << 20, Duration.ofMillis(50), Duration.ofSeconds(1), Duration.ofSeconds(5), 2);
    }
  }

  private final long selfId;
  private final Options options;
  private final PeerStats stats;
  private final ScheduledExecutorService scheduler;
  private final Map<Long, PeerLink> links = new ConcurrentHashMap<>();
  private volatile Consumer<String> onRemovedByPeer = how -> {};

  /** {@code peers}: every member's peer URLs by id; this member's own entry is skipped. */
  public PeerTransport(
      long selfId, Map<Long, List<String>> peers, Options options, PeerStats stats) {
    this.selfId = selfId;
    this.options = options;
    this.stats = stats;
    AtomicInteger n = new AtomicInteger();
    this.scheduler =
        Executors.newScheduledThreadPool(
            options.senderThreads(),
            r -> {
              Thread t = new Thread(r, "synod-peer-send-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    peers.forEach(this::addPeer);
  }

  /** Starts talking to member {@code id} at {@code urls}. */
  public void addPeer(long id, List<String> urls) {
    if (id == selfId) {
      return;
    }
    PeerLink old =
        links.put(
            id,
            new PeerLink(id, urls, options, scheduler, stats, how -> onRemovedByPeer.accept(how)));
    if (old != null) {
      old.close();
    }
  }

  /** Stops talking to member {@code id}; forward calls under way may still finish. */
  public void removePeer(long id) {
    PeerLink old = links.remove(id);
    if (old != null) {
      old.retire();
    }
  }

  /**
   * {@code listener} learns when a peer said this member was removed from the cluster (see {@link
   * PeerService#REMOVED_PREFIX}); it is called on a gRPC thread, possibly more than once.
   */
  public void onRemovedByPeer(Consumer<String> listener) {
    this.onRemovedByPeer = listener;
  }

  public PeerStats stats() {
    return stats;
  }

  @Override
  public void send(Envelope envelope) {
    PeerLink link = links.get(envelope.to());
    if (link == null) {
      stats.droppedUnknownMember.increment();
      return;
    }
    link.offer(envelope);
  }

  @Override
  public CompletableFuture<Bytes> forward(long to, long groupId, int kind, Bytes payload) {
    PeerLink link = links.get(to);
    if (link == null) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException("unknown member " + MemberIds.hex(to)));
    }
    return link.forward(new PeerMethods.ForwardRequest(groupId, kind, payload));
  }

  @Override
  public void close() {
    for (PeerLink link : links.values()) {
      link.close();
    }
    scheduler.shutdownNow();
    try {
      for (PeerLink link : links.values()) {
        link.awaitTermination(2_000);
      }
      scheduler.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    links.clear();
  }
}
