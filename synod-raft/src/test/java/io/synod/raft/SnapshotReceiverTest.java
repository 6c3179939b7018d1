package io.synod.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import io.synod.raft.RaftMessage.SnapshotChunk;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotReceiverTest {
  private static final SnapshotMeta META = new SnapshotMeta(20, 3, ConfState.ofVoters(List.of(1L)));
  private static final long TERM = 5;

  private static SnapshotChunk chunk(long offset, String data) {
    return new SnapshotChunk(META, 6, offset, Bytes.utf8(data));
  }

  @Test
  void chunksInOrderReassembleTheSnapshot() {
    SnapshotReceiver r = new SnapshotReceiver(META, 6, TERM);

    assertThat(r.accept(chunk(0, "abc"))).isEqualTo(3);
    assertThat(r.isComplete()).isFalse();
    assertThat(r.accept(chunk(3, "def"))).isEqualTo(6);

    assertThat(r.isComplete()).isTrue();
    assertThat(r.snapshot()).isEqualTo(new Snapshot(META, Bytes.utf8("abcdef")));
    assertThat(r.snapshotIndex()).isEqualTo(20);
  }

  @Test
  void chunkOutOfOrderIsAnsweredWithTheOffsetExpected() {
    SnapshotReceiver r = new SnapshotReceiver(META, 6, TERM);
    r.accept(chunk(0, "ab"));

    assertThat(r.accept(chunk(4, "ef"))).isEqualTo(2);
    assertThat(r.accept(chunk(0, "ab"))).isEqualTo(2);
    assertThat(r.accept(chunk(1, "bc"))).isEqualTo(2);

    assertThat(r.accept(chunk(2, "cdef"))).isEqualTo(6);
    assertThat(r.snapshot().data()).isEqualTo(Bytes.utf8("abcdef"));
  }

  @Test
  void chunkReachingPastTheAnnouncedSizeIsIgnored() {
    SnapshotReceiver r = new SnapshotReceiver(META, 6, TERM);
    r.accept(chunk(0, "abcd"));

    assertThat(r.accept(chunk(4, "efg"))).isEqualTo(4);
    assertThat(r.isComplete()).isFalse();
  }

  @Test
  void zeroLengthSnapshotIsCompleteWithItsOnlyChunk() {
    SnapshotReceiver r = new SnapshotReceiver(META, 0, TERM);

    assertThat(r.accept(new SnapshotChunk(META, 0, 0, Bytes.EMPTY))).isZero();

    assertThat(r.isComplete()).isTrue();
    assertThat(r.snapshot().data()).isEqualTo(Bytes.EMPTY);
  }

  @Test
  void chunksBelongToOneTransferOfOneLeaderTerm() {
    SnapshotReceiver r = new SnapshotReceiver(META, 6, TERM);

    assertThat(r.isFor(chunk(0, "abc"), TERM)).isTrue();
    assertThat(r.isFor(chunk(0, "abc"), TERM + 1)).isFalse();
    assertThat(r.isFor(new SnapshotChunk(META, 7, 0, Bytes.utf8("abc")), TERM)).isFalse();
    SnapshotMeta other = new SnapshotMeta(21, 3, META.confState());
    assertThat(r.isFor(new SnapshotChunk(other, 6, 0, Bytes.utf8("abc")), TERM)).isFalse();
  }
}
