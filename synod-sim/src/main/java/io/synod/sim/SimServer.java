package io.synod.sim;

import io.synod.kv.KvCodec;
import io.synod.kv.KvCommand;
import io.synod.kv.KvError;
import io.synod.kv.KvResponse;
import io.synod.kv.KvStateMachine;
import io.synod.kv.LeaseKeeper;
import io.synod.kv.RangeRequest;
import io.synod.kv.RequestValidator;
import io.synod.kv.WatchHub;
import io.synod.raft.replica.Outcome;
import io.synod.raft.replica.ReadOutcome;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * What the server does on each simulated replica between the client and the core, the way the real
 * API edge will: validate a write and propose it encoded with {@code KvCodec}; serve a linearizable
 * Range after the loop's ReadIndex, a serializable one at once; answer lease keep-alives on the
 * leader; and, on every tick, drive the leader's {@link LeaseKeeper} (proposing its revokes and
 * checkpoints), the leader's periodic compaction, and the watch hub's catch-up and progress.
 *
 * <p>A keep-alive is answered only when it is safe for the client to count on it: after a ReadIndex
 * round confirmed that this node still leads (a deposed leader must not renew what its successor
 * may expire), by the keeper of this term, and, if the lease had a checkpointed remaining TTL, only
 * once the checkpoint that clears it has been applied (as etcd 3.5's Renew waits for it); otherwise
 * a new leader would resume the lease from the stale checkpoint.
 *
 * <p>Owned by the simulation thread.
 */
final class SimServer {
  private static final RequestValidator VALIDATOR = RequestValidator.defaults();
  private static final int PUMPS_PER_TICK = 4;

  private final Simulation sim;
  private final WorkloadOptions workload;
  private final LeaseChecker leaseChecker;
  private final SplittableRandom random;

  SimServer(Simulation sim, LeaseChecker leaseChecker, SplittableRandom random) {
    this.sim = sim;
    this.workload = sim.workload();
    this.leaseChecker = leaseChecker;
    this.random = random;
  }

  // ------------------------------------------------------------------ client requests

  /** Handles a request that reached an up, unpaused node. */
  void onRequest(SimNode node, Rpc.Request request) {
    Rpc.Call call = request.call();
    if (call instanceof Rpc.Write w) {
      write(node, request, w.command());
    } else if (call instanceof Rpc.Read r) {
      read(node, request, r.range());
    } else {
      keepAlive(node, request, ((Rpc.KeepAlive) call).leaseId());
    }
  }

  private void write(SimNode node, Rpc.Request request, KvCommand command) {
    Optional<KvError> invalid = VALIDATOR.validate(command);
    if (invalid.isPresent()) {
      reply(node, request, new Rpc.Done(new KvResponse.Error(invalid.get()), node.id));
      return;
    }
    long incarnation = node.incarnation();
    sim.withLoop(
        node,
        loop ->
            loop.propose(
                KvCodec.encode(command),
                outcome -> {
                  if (node.incarnation() != incarnation || !node.isUp()) {
                    return;
                  }
                  if (outcome instanceof Outcome.Applied a) {
                    KvResponse response = KvCodec.decodeResponse(a.result());
                    reply(node, request, new Rpc.Done(response, node.id));
                  } else if (outcome instanceof Outcome.NotLeader n) {
                    reply(node, request, new Rpc.Refused(n.leaderHint()));
                  } else if (outcome instanceof Outcome.Rejected) {
                    reply(node, request, new Rpc.Refused(0));
                  }
                  // Outcome.Unknown: maybe applied; say nothing, the client's deadline decides.
                }));
  }

  private void read(SimNode node, Rpc.Request request, RangeRequest range) {
    if (range.serializable()) {
      serve(node, request, range);
      return;
    }
    long incarnation = node.incarnation();
    sim.withLoop(
        node,
        loop ->
            loop.read(
                outcome -> {
                  if (node.incarnation() != incarnation || !node.isUp()) {
                    return;
                  }
                  if (outcome instanceof ReadOutcome.Ready) {
                    serve(node, request, range);
                  } else if (outcome instanceof ReadOutcome.NotLeader n) {
                    reply(node, request, new Rpc.Refused(n.leaderHint()));
                  } else {
                    reply(node, request, new Rpc.Refused(0));
                  }
                }));
  }

  private void serve(SimNode node, Rpc.Request request, RangeRequest range) {
    KvResponse response = node.stateMachine().range(range);
    if (response instanceof KvResponse.Range r && range.serializable()) {
      // A replica's own reads never go back in time within one incarnation.
      if (r.revision() < node.servedRevision) {
        throw new SimulationFailure(
            "kv: node "
                + node.id
                + " served revision "
                + r.revision()
                + " after "
                + node.servedRevision);
      }
      node.servedRevision = r.revision();
    }
    reply(node, request, new Rpc.Done(response, node.id));
  }

  private void keepAlive(SimNode node, Rpc.Request request, long leaseId) {
    LeaseKeeper keeper = node.keeper();
    if (keeper == null) {
      reply(node, request, new Rpc.Refused(leaderHint(node)));
      return;
    }
    long term = node.keeperTerm();
    long incarnation = node.incarnation();
    sim.withLoop(
        node,
        loop ->
            loop.read(
                outcome -> {
                  if (node.incarnation() != incarnation || !node.isUp()) {
                    return;
                  }
                  // The loop is in the middle of handling a Ready: renew from a fresh event.
                  sim.events()
                      .after(
                          0,
                          () ->
                              renew(
                                  node,
                                  request,
                                  leaseId,
                                  keeper,
                                  term,
                                  incarnation,
                                  outcome instanceof ReadOutcome.Ready));
                }));
  }

  private void renew(
      SimNode node,
      Rpc.Request request,
      long leaseId,
      LeaseKeeper keeper,
      long term,
      long incarnation,
      boolean confirmed) {
    if (node.incarnation() != incarnation || !node.isUp()) {
      return;
    }
    if (!confirmed || node.keeper() != keeper) {
      reply(node, request, new Rpc.Refused(leaderHint(node)));
      return;
    }
    long ttl = keeper.keepAlive(leaseId, node.nowMillis());
    if (sim.tracing()) {
      sim.log(
          String.format(
              java.util.Locale.ROOT,
              "node %d keeper of term %d: keep-alive %d (sent at %.6f) -> ttl %d",
              node.id,
              term,
              leaseId,
              request.sentMicros() / 1e6,
              ttl));
    }
    if (ttl == 0) {
      reply(node, request, new Rpc.KeptAlive(0));
      return;
    }
    List<KvCommand> commands = keeper.tick(node.nowMillis());
    KvCommand waitFor =
        commands.stream()
            .filter(c -> c instanceof KvCommand.LeaseCheckpoint cp && cp.covers(leaseId))
            .findFirst()
            .orElse(null);
    proposeFromKeeper(
        node,
        term,
        commands,
        c -> c == waitFor,
        applied -> reply(node, request, applied ? new Rpc.KeptAlive(ttl) : new Rpc.Refused(0)));
    if (waitFor == null) {
      reply(node, request, new Rpc.KeptAlive(ttl));
    }
  }

  private static long leaderHint(SimNode node) {
    return node.loop().node().leaderId() == node.id ? 0 : node.loop().node().leaderId();
  }

  private void reply(SimNode node, Rpc.Request request, Rpc.Reply reply) {
    sim.sendReply(node, request, reply);
  }

  // ------------------------------------------------------------------ the leader's duties

  /** Proposes the keeper's commands; {@code watched}'s outcome goes to {@code then}. */
  private void proposeFromKeeper(
      SimNode node,
      long term,
      List<KvCommand> commands,
      java.util.function.Predicate<KvCommand> watched,
      java.util.function.Consumer<Boolean> then) {
    for (KvCommand c : commands) {
      if (c instanceof KvCommand.LeaseRevoke r) {
        leaseChecker.onKeeperRevoke(term, r.id(), sim.nowMicros());
      }
      if (sim.tracing()) {
        sim.log("node " + node.id + " keeper of term " + term + " proposes " + c);
      }
      boolean tell = watched.test(c);
      long incarnation = node.incarnation();
      sim.withLoop(
          node,
          loop ->
              loop.propose(
                  KvCodec.encode(c),
                  outcome -> {
                    if (tell && node.incarnation() == incarnation && node.isUp()) {
                      then.accept(outcome instanceof Outcome.Applied);
                    }
                  }));
      if (!node.isUp() || node.incarnation() != incarnation) {
        return;
      }
    }
  }

  /** After the node's Raft tick: lease keeper, periodic compaction, watch catch-up and progress. */
  void onTick(SimNode node) {
    LeaseKeeper keeper = node.keeper();
    if (keeper != null) {
      proposeFromKeeper(
          node, node.keeperTerm(), keeper.tick(node.nowMillis()), c -> false, applied -> {});
      if (node.isUp()) {
        maybeCompact(node);
      }
    }
    if (!node.isUp()) {
      return;
    }
    WatchHub hub = node.stateMachine().watchHub();
    for (int i = 0; i < PUMPS_PER_TICK && hub.pump(); i++) {
      // catch slow watchers up, a bounded amount per tick
    }
    hub.progress(node.nowMillis());
  }

  /** etcd's periodic compactor on the leader: keep the last few revisions. */
  private void maybeCompact(SimNode node) {
    if (workload.compactMeanMicros() == 0 || sim.nowMicros() < node.nextCompactMicros) {
      return;
    }
    node.nextCompactMicros =
        sim.nowMicros()
            + (long) (-Math.log(1 - random.nextDouble()) * workload.compactMeanMicros());
    KvStateMachine sm = node.stateMachine();
    long target = sm.revision() - random.nextLong(workload.compactRetainRevisions() + 1);
    if (target > Math.max(1, sm.compactRevision())) {
      KvCommand compact = new KvCommand.Compact(target, false);
      sim.withLoop(node, loop -> loop.propose(KvCodec.encode(compact), outcome -> {}));
    }
  }
}
