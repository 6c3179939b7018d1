package io.synod.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Lease safety: no lease ends while a client provably holds it.
 *
 * <p>A client's proof is an acknowledgment: a grant, or a keep-alive the leader answered with a
 * positive TTL, of a request sent at {@code s}. The leader that renewed the lease at {@code a >= s}
 * holds it until {@code a + TTL} on its own clock; a later leader resumes it from the newest
 * checkpoint, which the keep-alive protocol guarantees was taken after the renewal or cleared by it
 * (a checkpoint of remaining time {@code r} taken at {@code c} lets the next leader, promoted at
 * {@code p >= c}, hold the lease until {@code p + r} on its clock). With every clock running at
 * most {@code rateMax} times real time, each of these keepers proposes the revoke no earlier than
 * {@code G = s + TTL / rateMax}: by induction, a keeper's remaining time at real time {@code t} is
 * at least {@code (G - t) * rateMax} of its milliseconds. So every revoke that commits must have
 * been proposed, by the keeper of the term it carries, at or after {@code G} of every
 * acknowledgment of that lease (less a few milliseconds of clock rounding), unless a client asked
 * for the revoke itself.
 *
 * <p>The premises are the server's duties, which the simulator's server fulfils: a keep-alive is
 * answered only after a ReadIndex round confirmed the leader (so no newer leader was promoted
 * before it was sent), by a keeper promoted when its leader applied its own term's empty entry (so
 * no older leader's revoke is still to come), and, if the lease had a checkpoint, only after the
 * checkpoint that clears it was applied (etcd 3.5's Renew).
 *
 * <p>Owned by the simulation thread; judged at the end of the run.
 */
final class LeaseChecker {
  /** Clock rounding: each keeper works in whole milliseconds. */
  private static final long SLACK_MICROS = 20_000;

  private static final class LeaseFacts {
    long ttlSeconds;
    long lastAckSentMicros = Long.MIN_VALUE;
    long clientRevokeSentMicros = Long.MAX_VALUE;
  }

  private record Committed(long leaseId, long term, long index, long atMicros) {}

  private final TreeMap<Long, LeaseFacts> leases = new TreeMap<>();

  /** (term, lease) -> when that term's keeper first proposed the revoke. */
  private final TreeMap<Long, TreeMap<Long, Long>> keeperRevokes = new TreeMap<>();

  private final List<Committed> committed = new ArrayList<>();
  private long acks;

  private LeaseFacts facts(long id) {
    return leases.computeIfAbsent(id, i -> new LeaseFacts());
  }

  /** A grant or keep-alive of a request sent at {@code sentMicros} came back with a TTL. */
  void onAck(long leaseId, long sentMicros, long ttlSeconds) {
    LeaseFacts f = facts(leaseId);
    f.ttlSeconds = ttlSeconds;
    f.lastAckSentMicros = Math.max(f.lastAckSentMicros, sentMicros);
    acks++;
  }

  /** A client sent a revoke of {@code leaseId}. */
  void onClientRevoke(long leaseId, long sentMicros) {
    LeaseFacts f = facts(leaseId);
    f.clientRevokeSentMicros = Math.min(f.clientRevokeSentMicros, sentMicros);
  }

  /** The keeper of {@code term} proposes the revoke of an expired lease. */
  void onKeeperRevoke(long term, long leaseId, long nowMicros) {
    keeperRevokes.computeIfAbsent(term, t -> new TreeMap<>()).putIfAbsent(leaseId, nowMicros);
  }

  /** A revoke of {@code leaseId} proposed in {@code term} committed (first applied at now). */
  void onCommittedRevoke(long leaseId, long term, long index, long nowMicros) {
    committed.add(new Committed(leaseId, term, index, nowMicros));
  }

  long acks() {
    return acks;
  }

  long committedRevokes() {
    return committed.size();
  }

  /** Checks every committed revoke; {@code rateMax} is the fastest node clock of the run. */
  void check(double rateMax) {
    for (Committed c : committed) {
      LeaseFacts f = leases.get(c.leaseId());
      if (f != null && f.clientRevokeSentMicros < c.atMicros()) {
        continue; // the client asked for it (its own revoke, or one racing an expiry)
      }
      TreeMap<Long, Long> byLease = keeperRevokes.get(c.term());
      Long proposedMicros = byLease == null ? null : byLease.get(c.leaseId());
      if (proposedMicros == null) {
        throw new SimulationFailure(
            String.format(
                Locale.ROOT,
                "lease: revoke of lease %d committed at index %d in term %d, but neither that"
                    + " term's keeper nor a client proposed it",
                c.leaseId(),
                c.index(),
                c.term()));
      }
      if (f == null || f.lastAckSentMicros == Long.MIN_VALUE) {
        continue; // no client ever held it
      }
      long heldUntilMicros =
          f.lastAckSentMicros + (long) Math.floor(f.ttlSeconds * 1e6 / rateMax) - SLACK_MICROS;
      if (proposedMicros < heldUntilMicros) {
        throw new SimulationFailure(
            String.format(
                Locale.ROOT,
                "lease: lease %d (TTL %d s) revoked by the keeper of term %d at %.6f s (committed"
                    + " at index %d), but a client held it until %.6f s: its keep-alive sent at"
                    + " %.6f s was acknowledged (fastest clock rate %.3f)",
                c.leaseId(),
                f.ttlSeconds,
                c.term(),
                proposedMicros / 1e6,
                c.index(),
                heldUntilMicros / 1e6,
                f.lastAckSentMicros / 1e6,
                rateMax));
      }
    }
  }
}
