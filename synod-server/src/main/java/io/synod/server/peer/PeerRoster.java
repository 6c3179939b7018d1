package io.synod.server.peer;

import io.synod.server.member.MemberIds;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Logger;

/**
 * Who this member talks to: the peers the {@link PeerTransport} keeps links to, the members whose
 * messages {@link PeerService} accepts, and the ids removed from the cluster, whose messages it
 * answers by telling them so. It starts from the members known at start (the initial cluster, or
 * what a joining member learned from the cluster) and then follows the replicated member table as
 * the replica applies membership changes. It also carries this member's own removal: once the
 * member learns (from its log or from a peer) that it was removed, {@link #removal()} completes and
 * the server stops.
 *
 * <p>Safe from any thread; {@link #follow} is called by one thread (the replica loop's).
 */
public final class PeerRoster {
  private static final Logger LOG = Logger.getLogger(PeerRoster.class.getName());

  private final long selfId;
  private final PeerTransport transport;
  private volatile Map<Long, List<String>> members;
  private volatile Set<Long> removed = Set.of();
  private final CompletableFuture<String> removal = new CompletableFuture<>();

  /** {@code seeds}: every member known at start by id (this one's entry included or not). */
  public PeerRoster(long selfId, PeerTransport transport, Map<Long, List<String>> seeds) {
    this.selfId = selfId;
    this.transport = transport;
    this.members = Map.copyOf(seeds);
    transport.onRemovedByPeer(this::selfRemoved);
  }

  /** Whether messages from {@code id} are accepted (a current member, or a seed). */
  public boolean isKnown(long id) {
    return members.containsKey(id);
  }

  /** Whether {@code id} was removed from the cluster for good. */
  public boolean isRemoved(long id) {
    return removed.contains(id);
  }

  /**
   * Follows the member table: links to new members or to new URLs of a member are opened, and, when
   * {@code complete} (this member belongs to the configuration it applied, so the table is the
   * whole truth), links to members no longer in it are closed. Before that (a joining member
   * replaying the log) links are only ever added, so the leader stays reachable.
   *
   * @param current every member with known peer URLs, by id
   * @param removedIds every id removed from the cluster
   */
  public synchronized void follow(
      Map<Long, List<String>> current, Set<Long> removedIds, boolean complete) {
    Map<Long, List<String>> next = new LinkedHashMap<>(complete ? Map.of() : members);
    next.putAll(current);
    for (long id : removedIds) {
      next.remove(id);
    }
    for (Map.Entry<Long, List<String>> e : next.entrySet()) {
      if (!e.getValue().equals(members.get(e.getKey()))) {
        transport.addPeer(e.getKey(), e.getValue());
      }
    }
    for (long id : members.keySet()) {
      if (!next.containsKey(id)) {
        transport.removePeer(id);
      }
    }
    members = Map.copyOf(next);
    removed = Set.copyOf(new TreeSet<>(removedIds));
  }

  /** Records that this member was removed from the cluster; the server stops. */
  public void selfRemoved(String how) {
    if (removal.complete(
        "member "
            + MemberIds.hex(selfId)
            + " was removed from the cluster ("
            + how
            + "); stopping. Its data directory cannot rejoin: remove it before adding a member"
            + " there again")) {
      LOG.warning(removal.join());
    }
  }

  /** Completes, with a one-line explanation, once this member learned it was removed. */
  public CompletableFuture<String> removal() {
    return removal;
  }
}
