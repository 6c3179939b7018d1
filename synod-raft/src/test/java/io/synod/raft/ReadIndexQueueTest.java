package io.synod.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.synod.raft.ReadIndexQueue.PendingRead;
import org.junit.jupiter.api.Test;

class ReadIndexQueueTest {
  private static final long SELF = 1;
  private static final long FOLLOWER = 2;

  @Test
  void readAfterACommitInTheTermTakesTheCommitIndexAtOnce() {
    ReadIndexQueue q = new ReadIndexQueue();

    q.add(SELF, 100, true, 7);

    assertThat(q.hasUnconfirmed()).isTrue();
    assertThat(q.size()).isEqualTo(1);
    assertThat(q.startRound()).isEqualTo(1);
    assertThat(q.release(1)).containsExactly(new PendingRead(SELF, 100, 7, 1));
    assertThat(q.size()).isZero();
  }

  @Test
  void readBeforeAnyCommitInTheTermWaitsForOne() {
    ReadIndexQueue q = new ReadIndexQueue();
    q.add(FOLLOWER, 100, false, 3);

    assertThat(q.hasUnconfirmed()).isFalse();
    assertThat(q.size()).isEqualTo(1);

    q.onCommittedInTerm(9);

    assertThat(q.hasUnconfirmed()).isTrue();
    q.startRound();
    assertThat(q.release(1)).containsExactly(new PendingRead(FOLLOWER, 100, 9, 1));
  }

  @Test
  void readIndexIsTheCommitIndexWhenTheReadArrivedNotALaterOne() {
    ReadIndexQueue q = new ReadIndexQueue();
    q.add(SELF, 100, false, 3);
    q.onCommittedInTerm(5);
    q.add(SELF, 101, true, 6);
    q.onCommittedInTerm(8);

    q.startRound();

    assertThat(q.release(1))
        .extracting(PendingRead::requestId, PendingRead::index)
        .containsExactly(tuple(100L, 5L), tuple(101L, 6L));
  }

  @Test
  void readsBetweenTwoFlushesShareOneRound() {
    ReadIndexQueue q = new ReadIndexQueue();
    q.add(SELF, 100, true, 4);
    q.add(FOLLOWER, 200, true, 4);

    long round = q.startRound();

    assertThat(q.hasUnconfirmed()).isFalse();
    assertThat(q.roundToConfirm()).isEqualTo(round);
    assertThat(q.release(round)).extracting(PendingRead::requestId).containsExactly(100L, 200L);
  }

  @Test
  void confirmingAnOlderRoundDoesNotReleaseReadsOfANewerOne() {
    ReadIndexQueue q = new ReadIndexQueue();
    q.add(SELF, 100, true, 4);
    long first = q.startRound();
    q.add(SELF, 101, true, 5);
    long second = q.startRound();

    assertThat(q.release(first)).extracting(PendingRead::requestId).containsExactly(100L);
    assertThat(q.roundToConfirm()).isEqualTo(second);
    assertThat(q.release(first)).isEmpty();
    assertThat(q.release(second)).extracting(PendingRead::requestId).containsExactly(101L);
    assertThat(q.roundToConfirm()).isZero();
  }

  @Test
  void confirmingANewerRoundReleasesEveryOlderRead() {
    ReadIndexQueue q = new ReadIndexQueue();
    q.add(SELF, 100, true, 4);
    q.startRound();
    q.add(SELF, 101, true, 5);
    long second = q.startRound();

    assertThat(q.release(second)).extracting(PendingRead::requestId).containsExactly(100L, 101L);
  }

  @Test
  void unconfirmedReadsWaitForTheNextRound() {
    ReadIndexQueue q = new ReadIndexQueue();
    q.add(SELF, 100, true, 4);
    long round = q.startRound();
    q.add(SELF, 101, true, 4);

    assertThat(q.release(round)).extracting(PendingRead::requestId).containsExactly(100L);
    assertThat(q.hasUnconfirmed()).isTrue();
    assertThat(q.size()).isEqualTo(1);
  }

  @Test
  void releasingRoundZeroReleasesNothing() {
    ReadIndexQueue q = new ReadIndexQueue();
    q.add(SELF, 100, true, 4);
    q.startRound();

    assertThat(q.release(0)).isEmpty();
    assertThat(q.size()).isEqualTo(1);
  }

  @Test
  void roundsKeepCountingWithNothingToConfirm() {
    ReadIndexQueue q = new ReadIndexQueue();

    assertThat(q.startRound()).isEqualTo(1);
    assertThat(q.startRound()).isEqualTo(2);

    assertThat(q.lastRound()).isEqualTo(2);
    assertThat(q.roundToConfirm()).isZero();
  }

  @Test
  void releaseUnconfirmedHandsOutReadsWithoutARound() {
    ReadIndexQueue q = new ReadIndexQueue();
    q.add(SELF, 100, true, 4);
    q.add(SELF, 101, false, 4);

    assertThat(q.releaseUnconfirmed()).containsExactly(new PendingRead(SELF, 100, 4, 0));
    assertThat(q.hasUnconfirmed()).isFalse();
    assertThat(q.size()).isEqualTo(1);
  }
}
