package io.synod.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.common.Bytes;
import org.junit.jupiter.api.Test;

class ProgressTest {

  private static Progress progress(long match, long next, ProgressState state) {
    Progress pr = new Progress(next, 3, 1_000, false);
    pr.match = match;
    pr.state = state;
    return pr;
  }

  private static SnapshotSender snapshotAt(long index) {
    Snapshot s = new Snapshot(new SnapshotMeta(index, 2, ConfState.EMPTY), Bytes.utf8("state"));
    return new SnapshotSender(s, 1024, 4, 2);
  }

  @Test
  void newProgressProbesFromTheGivenNextAndNeverBelowOne() {
    Progress pr = new Progress(7, 3, 1_000, true);

    assertThat(pr.state).isEqualTo(ProgressState.PROBE);
    assertThat(pr.match).isZero();
    assertThat(pr.next).isEqualTo(7);
    assertThat(pr.learner).isTrue();
    assertThat(new Progress(0, 3, 1_000, false).next).isEqualTo(1);
  }

  // ------------------------------------------------------------------ isPaused

  @Test
  void probeIsPausedOnlyWhileAProbeIsUnanswered() {
    Progress pr = progress(0, 5, ProgressState.PROBE);
    assertThat(pr.isPaused()).isFalse();

    pr.sentEntries(6, 20, 2);

    assertThat(pr.isPaused()).isTrue();
    // A probe does not move next: the answer decides where to go.
    assertThat(pr.next).isEqualTo(5);
  }

  @Test
  void anEmptyProbeAlsoPausesTheMember() {
    Progress pr = progress(0, 5, ProgressState.PROBE);

    pr.sentEntries(4, 0, 0);

    assertThat(pr.isPaused()).isTrue();
  }

  @Test
  void replicateIsPausedOnlyWhenTheInflightWindowIsFull() {
    Progress pr = progress(4, 5, ProgressState.REPLICATE);

    pr.sentEntries(5, 10, 1);
    pr.sentEntries(6, 10, 1);
    assertThat(pr.isPaused()).isFalse();
    pr.sentEntries(8, 10, 2);

    assertThat(pr.isPaused()).isTrue();
    assertThat(pr.next).isEqualTo(9);
    assertThat(pr.inflights.count()).isEqualTo(3);
  }

  @Test
  void replicateSendingNoEntriesUsesNoWindowSlot() {
    Progress pr = progress(4, 5, ProgressState.REPLICATE);

    pr.sentEntries(4, 0, 0);

    assertThat(pr.inflights.count()).isZero();
    assertThat(pr.next).isEqualTo(5);
  }

  @Test
  void snapshotIsAlwaysPaused() {
    Progress pr = progress(3, 4, ProgressState.PROBE);

    pr.becomeSnapshot(snapshotAt(10));

    assertThat(pr.state).isEqualTo(ProgressState.SNAPSHOT);
    assertThat(pr.isPaused()).isTrue();
  }

  @Test
  void sendingEntriesInSnapshotStateIsAnInvariantViolation() {
    Progress pr = progress(3, 4, ProgressState.PROBE);
    pr.becomeSnapshot(snapshotAt(10));

    assertThatThrownBy(() -> pr.sentEntries(5, 10, 1)).isInstanceOf(AssertionError.class);
  }

  // ------------------------------------------------------------------ transitions

  @Test
  void becomeReplicateSendsFromMatchPlusOne() {
    Progress pr = progress(5, 9, ProgressState.PROBE);
    pr.probeSent = true;

    pr.becomeReplicate();

    assertThat(pr.state).isEqualTo(ProgressState.REPLICATE);
    assertThat(pr.next).isEqualTo(6);
    assertThat(pr.isPaused()).isFalse();
  }

  @Test
  void becomeProbeFromReplicateResumesAfterMatchAndClearsTheWindow() {
    Progress pr = progress(5, 6, ProgressState.REPLICATE);
    pr.sentEntries(7, 10, 2);
    pr.sentEntries(9, 10, 2);

    pr.becomeProbe();

    assertThat(pr.state).isEqualTo(ProgressState.PROBE);
    assertThat(pr.next).isEqualTo(6);
    assertThat(pr.inflights.count()).isZero();
    assertThat(pr.isPaused()).isFalse();
  }

  @Test
  void becomeProbeAfterASnapshotResumesAfterTheSnapshotIndex() {
    Progress pr = progress(3, 4, ProgressState.PROBE);
    pr.becomeSnapshot(snapshotAt(10));

    pr.becomeProbe();

    assertThat(pr.state).isEqualTo(ProgressState.PROBE);
    assertThat(pr.next).isEqualTo(11);
    assertThat(pr.snapshot).isNull();
  }

  @Test
  void becomeProbeAfterASnapshotResumesAfterMatchIfThatIsFurther() {
    Progress pr = progress(3, 4, ProgressState.PROBE);
    pr.becomeSnapshot(snapshotAt(10));
    pr.maybeUpdate(12);

    pr.becomeProbe();

    assertThat(pr.next).isEqualTo(13);
  }

  @Test
  void becomeSnapshotClearsTheWindowAndKeepsTheSender() {
    Progress pr = progress(3, 4, ProgressState.REPLICATE);
    pr.sentEntries(5, 10, 1);
    SnapshotSender sender = snapshotAt(10);

    pr.becomeSnapshot(sender);

    assertThat(pr.snapshot).isSameAs(sender);
    assertThat(pr.inflights.count()).isZero();
  }

  // ------------------------------------------------------------------ maybeUpdate

  @Test
  void maybeUpdateMovesMatchAndNextForward() {
    Progress pr = progress(3, 4, ProgressState.PROBE);
    pr.probeSent = true;

    assertThat(pr.maybeUpdate(7)).isTrue();

    assertThat(pr.match).isEqualTo(7);
    assertThat(pr.next).isEqualTo(8);
    assertThat(pr.probeSent).isFalse();
  }

  @Test
  void maybeUpdateKeepsAnOptimisticNext() {
    Progress pr = progress(3, 10, ProgressState.REPLICATE);

    assertThat(pr.maybeUpdate(5)).isTrue();

    assertThat(pr.match).isEqualTo(5);
    assertThat(pr.next).isEqualTo(10);
  }

  @Test
  void staleAcknowledgementsAreOldNews() {
    Progress pr = progress(7, 10, ProgressState.REPLICATE);

    assertThat(pr.maybeUpdate(7)).isFalse();
    assertThat(pr.maybeUpdate(2)).isFalse();

    assertThat(pr.match).isEqualTo(7);
    assertThat(pr.next).isEqualTo(10);
  }

  @Test
  void staleAcknowledgementDoesNotUnpauseAProbe() {
    Progress pr = progress(7, 8, ProgressState.PROBE);
    pr.probeSent = true;

    pr.maybeUpdate(5);

    assertThat(pr.isPaused()).isTrue();
  }

  // ------------------------------------------------------------------ maybeDecreaseTo

  @Test
  void rejectionInReplicateFallsBackToMatchPlusOne() {
    Progress pr = progress(5, 12, ProgressState.REPLICATE);

    assertThat(pr.maybeDecreaseTo(9, 7)).isTrue();

    assertThat(pr.next).isEqualTo(6);
  }

  @Test
  void staleRejectionInReplicateIsIgnored() {
    Progress pr = progress(5, 12, ProgressState.REPLICATE);

    assertThat(pr.maybeDecreaseTo(5, 0)).isFalse();
    assertThat(pr.maybeDecreaseTo(3, 0)).isFalse();

    assertThat(pr.next).isEqualTo(12);
  }

  @Test
  void rejectionOfTheLatestProbeMovesNextToTheHint() {
    Progress pr = progress(0, 10, ProgressState.PROBE);
    pr.probeSent = true;

    assertThat(pr.maybeDecreaseTo(9, 4)).isTrue();

    assertThat(pr.next).isEqualTo(5);
    assertThat(pr.isPaused()).isFalse();
  }

  @Test
  void hintBeyondTheRejectedIndexIsCappedAtTheRejectedIndex() {
    Progress pr = progress(0, 10, ProgressState.PROBE);

    assertThat(pr.maybeDecreaseTo(9, 50)).isTrue();

    assertThat(pr.next).isEqualTo(9);
  }

  @Test
  void hintIsNeverFollowedBelowMatchPlusOne() {
    Progress pr = progress(6, 10, ProgressState.PROBE);

    assertThat(pr.maybeDecreaseTo(9, 0)).isTrue();

    assertThat(pr.next).isEqualTo(7);
    assertThat(pr.next).isGreaterThan(pr.match);
  }

  @Test
  void rejectionOfAnOlderProbeIsStaleInProbe() {
    Progress pr = progress(0, 10, ProgressState.PROBE);
    pr.probeSent = true;

    assertThat(pr.maybeDecreaseTo(7, 2)).isFalse();
    assertThat(pr.maybeDecreaseTo(10, 2)).isFalse();

    assertThat(pr.next).isEqualTo(10);
    assertThat(pr.isPaused()).isTrue();
  }

  @Test
  void toStringNamesStateAndPositions() {
    Progress pr = progress(4, 5, ProgressState.REPLICATE);
    pr.learner = true;
    pr.sentEntries(6, 10, 2);

    assertThat(pr).hasToString("REPLICATE match=4 next=7 learner inflight=1");
    pr.becomeSnapshot(snapshotAt(10));
    assertThat(pr).hasToString("SNAPSHOT match=4 next=7 learner paused snapshot=10");
  }
}
