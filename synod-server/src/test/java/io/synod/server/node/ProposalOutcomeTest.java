package io.synod.server.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.common.Bytes;
import io.synod.raft.replica.Outcome;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProposalOutcomeTest {
  @Test
  void everyOutcomeRoundTripsThroughTheForwardWireForm() {
    for (ProposalOutcome o :
        List.of(
            new ProposalOutcome.Applied(42, Bytes.utf8("result")),
            new ProposalOutcome.Applied(1, Bytes.EMPTY),
            new ProposalOutcome.NotLeader(0x7abcL),
            new ProposalOutcome.Busy("full"),
            new ProposalOutcome.Rejected("no"),
            new ProposalOutcome.Unknown("maybe ünïcode"))) {
      assertThat(ProposalOutcome.decode(ProposalOutcome.encode(o))).isEqualTo(o);
    }
  }

  @Test
  void malformedRepliesAreRejected() {
    assertThatThrownBy(() -> ProposalOutcome.decode(Bytes.EMPTY))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProposalOutcome.decode(Bytes.utf8("\u0009x")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProposalOutcome.decode(Bytes.wrapOwned(new byte[] {2, 0})))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theLoopsLimitsAreBusy() {
    assertThat(ProposalOutcome.of(new Outcome.Rejected("too many pending proposals")))
        .isInstanceOf(ProposalOutcome.Busy.class);
    assertThat(ProposalOutcome.of(new Outcome.Rejected("BUSY: uncommitted bytes")))
        .isInstanceOf(ProposalOutcome.Busy.class);
    assertThat(ProposalOutcome.of(new Outcome.Rejected("LEADER_TRANSFER: x")))
        .isInstanceOf(ProposalOutcome.Rejected.class);
    assertThat(ProposalOutcome.of(new Outcome.Unknown("u")))
        .isEqualTo(new ProposalOutcome.Unknown("u"));
    assertThat(ProposalOutcome.of(new Outcome.NotLeader(3)))
        .isEqualTo(new ProposalOutcome.NotLeader(3));
  }
}
