package io.synod.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import io.synod.raft.RaftMessage.SnapshotChunk;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotSenderTest {
  private static final SnapshotMeta META = new SnapshotMeta(20, 3, ConfState.EMPTY);
  private static final Bytes TEN = Bytes.utf8("0123456789");

  /** Chunks of 3 bytes, 2 unacknowledged at most, resend after 3 idle heartbeat ticks. */
  private static SnapshotSender sender(Bytes data) {
    return new SnapshotSender(new Snapshot(META, data), 3, 2, 3);
  }

  private static List<Long> offsets(List<SnapshotChunk> chunks) {
    return chunks.stream().map(SnapshotChunk::offset).toList();
  }

  @Test
  void chunksCarryTheirPlaceInTheSnapshot() {
    List<SnapshotChunk> chunks = sender(TEN).nextChunks();

    assertThat(chunks)
        .containsExactly(
            new SnapshotChunk(META, 10, 0, Bytes.utf8("012")),
            new SnapshotChunk(META, 10, 3, Bytes.utf8("345")));
    assertThat(chunks).noneMatch(SnapshotChunk::isLast);
  }

  @Test
  void noMoreThanTheWindowIsUnacknowledged() {
    SnapshotSender s = sender(TEN);
    s.nextChunks();

    assertThat(s.nextChunks()).isEmpty();
  }

  @Test
  void acknowledgementsMoveTheWindow() {
    SnapshotSender s = sender(TEN);
    s.nextChunks();

    s.onAck(3);
    assertThat(offsets(s.nextChunks())).containsExactly(6L);
    s.onAck(9);
    List<SnapshotChunk> last = s.nextChunks();

    assertThat(last).containsExactly(new SnapshotChunk(META, 10, 9, Bytes.utf8("9")));
    assertThat(last.get(0).isLast()).isTrue();
    s.onAck(10);
    assertThat(s.nextChunks()).isEmpty();
  }

  @Test
  void snapshotOfAWholeNumberOfChunksEndsWithoutAnEmptyChunk() {
    SnapshotSender s = new SnapshotSender(new Snapshot(META, Bytes.utf8("abcdef")), 3, 4, 3);

    List<SnapshotChunk> chunks = s.nextChunks();

    assertThat(offsets(chunks)).containsExactly(0L, 3L);
    assertThat(chunks.get(1).isLast()).isTrue();
  }

  @Test
  void zeroLengthSnapshotIsOneEmptyLastChunk() {
    SnapshotSender s = sender(Bytes.EMPTY);

    List<SnapshotChunk> chunks = s.nextChunks();

    assertThat(chunks).containsExactly(new SnapshotChunk(META, 0, 0, Bytes.EMPTY));
    assertThat(chunks.get(0).isLast()).isTrue();
    assertThat(s.nextChunks()).isEmpty();
  }

  @Test
  void staleDuplicateAndImpossibleAcknowledgementsAreIgnored() {
    SnapshotSender s = sender(TEN);
    s.nextChunks();
    s.onAck(3);
    s.nextChunks();

    s.onAck(3);
    s.onAck(11);

    assertThat(s.nextChunks()).isEmpty();
  }

  @Test
  void aNegativeAnswerFromTheNetworkIsIgnored() {
    SnapshotSender s = sender(TEN);
    s.nextChunks();
    s.onAck(3);

    s.onAck(-5);
    s.onHeartbeatTick();
    s.onHeartbeatTick();
    s.onHeartbeatTick();

    assertThat(offsets(s.nextChunks())).containsExactly(3L, 6L);
  }

  @Test
  void aLowerOffsetRewindsTheTransferAtTheNextResend() {
    SnapshotSender s = sender(TEN);
    s.nextChunks();
    s.onAck(6);
    s.nextChunks();

    // The follower lost what it had received and starts over.
    s.onAck(0);
    assertThat(s.nextChunks()).isEmpty();
    s.onHeartbeatTick();
    s.onHeartbeatTick();

    assertThat(s.onHeartbeatTick()).isTrue();
    assertThat(offsets(s.nextChunks())).containsExactly(0L, 3L);
  }

  @Test
  void aLowerOffsetFollowedByProgressWasADelayedAnswerAndIsForgotten() {
    SnapshotSender s = sender(TEN);
    s.nextChunks();
    s.onAck(3);
    s.nextChunks();

    s.onAck(0);
    s.onAck(6);
    assertThat(offsets(s.nextChunks())).containsExactly(9L);
    s.onHeartbeatTick();
    s.onHeartbeatTick();
    s.onHeartbeatTick();

    assertThat(offsets(s.nextChunks())).containsExactly(6L, 9L);
  }

  @Test
  void delayedAnswersDoNotMultiplyTheTraffic() {
    SnapshotSender s = new SnapshotSender(new Snapshot(META, Bytes.utf8("0123456789ab")), 3, 2, 3);
    s.nextChunks();
    s.onAck(3);
    s.onAck(6);
    assertThat(offsets(s.nextChunks())).containsExactly(6L, 9L);

    // Answers overtaken by later ones arrive at last: nothing is resent for them.
    s.onAck(3);
    s.onAck(0);
    s.onAck(3);

    assertThat(s.nextChunks()).isEmpty();
  }

  @Test
  void unansweredChunksAreResentFromTheAcknowledgedOffsetAfterIdleTicks() {
    SnapshotSender s = sender(TEN);
    s.nextChunks();
    s.onAck(3);
    s.nextChunks();

    assertThat(s.onHeartbeatTick()).isFalse();
    assertThat(s.onHeartbeatTick()).isFalse();
    assertThat(s.onHeartbeatTick()).isTrue();

    assertThat(offsets(s.nextChunks())).containsExactly(3L, 6L);
    assertThat(s.onHeartbeatTick()).isFalse();
  }

  @Test
  void progressRestartsTheIdleCount() {
    SnapshotSender s = sender(TEN);
    s.nextChunks();
    s.onHeartbeatTick();
    s.onHeartbeatTick();

    s.onAck(3);

    assertThat(s.onHeartbeatTick()).isFalse();
    assertThat(s.onHeartbeatTick()).isFalse();
    assertThat(s.onHeartbeatTick()).isTrue();
  }

  @Test
  void answersWithoutProgressDoNotPostponeTheResend() {
    // Chunk 3 was lost; the follower answers chunk 6 with the offset it still expects.
    SnapshotSender s = sender(TEN);
    s.nextChunks();
    s.onAck(3);
    s.nextChunks();
    s.onHeartbeatTick();
    s.onHeartbeatTick();

    s.onAck(3);

    assertThat(s.onHeartbeatTick()).isTrue();
    assertThat(offsets(s.nextChunks())).containsExactly(3L, 6L);
  }

  @Test
  void afterTheLastByteIsAcknowledgedAResendIsAnEmptyLastChunk() {
    // The follower installed the snapshot but its answer was lost: an empty last chunk makes it
    // answer again, without sending the data twice.
    SnapshotSender s = sender(Bytes.utf8("abc"));
    s.nextChunks();
    s.onAck(3);
    s.onHeartbeatTick();
    s.onHeartbeatTick();
    s.onHeartbeatTick();

    assertThat(s.nextChunks()).containsExactly(new SnapshotChunk(META, 3, 3, Bytes.EMPTY));
  }

  @Test
  void metaIsTheSnapshots() {
    assertThat(sender(TEN).meta()).isEqualTo(META);
  }
}
