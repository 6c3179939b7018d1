package io.synod.server.node;

import io.synod.common.Bytes;
import io.synod.server.member.MemberIds;
import java.util.concurrent.CompletableFuture;

/**
 * Proposes commands from any member: at the local replica if it leads, otherwise forwarded once to
 * the leader it knows ({@link ForwardKind#PROPOSE}), whose answer comes back as it was. A forwarded
 * proposal is never forwarded again (the leader proposes it locally or answers NotLeader), so a
 * stale leader hint cannot make a loop.
 *
 * <p>A forward that fails in transit is {@link ProposalOutcome.Unknown}: the leader may have
 * appended the command before the connection broke. Safe from any thread.
 */
public final class Proposer {
  private final NodeRunner runner;
  private final Forwarder forwarder;

  public Proposer(NodeRunner runner, Forwarder forwarder) {
    this.runner = runner;
    this.forwarder = forwarder;
  }

  /**
   * Proposes {@code command} here, or at the leader. When the loop last published another member as
   * the leader, the command goes there straight from the calling thread, without a round trip
   * through this member's loop; if that leader turns out to have stepped down (it answers
   * NotLeader, so it did not append the command), the command takes the usual way: proposed here,
   * forwarded once to the leader the loop knows now.
   */
  public CompletableFuture<ProposalOutcome> propose(Bytes command) {
    NodeStatus s = runner.status();
    if (s.running() && s.hasLeader() && s.leaderId() != runner.memberId()) {
      return forward(s.leaderId(), command)
          .thenCompose(
              outcome ->
                  outcome instanceof ProposalOutcome.NotLeader
                      ? viaLoop(command)
                      : CompletableFuture.completedFuture(outcome));
    }
    return viaLoop(command);
  }

  private CompletableFuture<ProposalOutcome> viaLoop(Bytes command) {
    return runner
        .propose(command)
        .thenCompose(
            outcome -> {
              if (outcome instanceof ProposalOutcome.NotLeader n
                  && n.leaderHint() != 0
                  && n.leaderHint() != runner.memberId()) {
                return forward(n.leaderHint(), command);
              }
              return CompletableFuture.completedFuture(outcome);
            });
  }

  private CompletableFuture<ProposalOutcome> forward(long leader, Bytes command) {
    return forwarder
        .forward(leader, runner.groupId(), ForwardKind.PROPOSE, command)
        .handle(
            (reply, error) -> {
              if (error != null) {
                return new ProposalOutcome.Unknown(
                    "forwarding to leader " + MemberIds.hex(leader) + " failed: " + error);
              }
              try {
                return ProposalOutcome.decode(reply);
              } catch (IllegalArgumentException malformed) {
                return new ProposalOutcome.Unknown(
                    "malformed reply from leader " + MemberIds.hex(leader));
              }
            });
  }

  /** The leader's side of {@link ForwardKind#PROPOSE}: propose locally, never forward again. */
  public CompletableFuture<Bytes> onForwardedProposal(Bytes command) {
    return runner.propose(command).thenApply(ProposalOutcome::encode);
  }
}
