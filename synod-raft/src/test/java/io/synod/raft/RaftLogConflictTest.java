package io.synod.raft;

import static io.synod.raft.Logs.entries;
import static io.synod.raft.Logs.logWithTerms;
import static io.synod.raft.Logs.terms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.common.Bytes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** How a follower's log is matched against the leader's: Raft §5.3 and §5.4.1. */
class RaftLogConflictTest {

  // ------------------------------------------------------------------ maybeAppend

  @Test
  void appendIsRefusedWhenThePreviousEntryDoesNotMatch() {
    RaftLog log = logWithTerms(1, 1, 2);

    assertThat(log.maybeAppend(3, 1, 3, entries(4, 3))).isEqualTo(-1);
    assertThat(log.maybeAppend(4, 2, 3, entries(5, 3))).isEqualTo(-1);

    assertThat(terms(log)).containsExactly(1L, 1L, 2L);
    assertThat(log.committed).isZero();
  }

  @Test
  void matchingEntriesAreKeptAndTheLogIsNotTruncated() {
    RaftLog log = logWithTerms(1, 1, 2, 2, 3);

    long lastNew = log.maybeAppend(1, 1, 0, entries(2, 1, 2));

    // A delayed append must not cut off what a later one already added.
    assertThat(lastNew).isEqualTo(3);
    assertThat(terms(log)).containsExactly(1L, 1L, 2L, 2L, 3L);
    assertThat(log.hasUnstable()).isFalse();
  }

  @Test
  void onlyTheNewSuffixIsAppended() {
    RaftLog log = logWithTerms(1, 1, 2);

    long lastNew = log.maybeAppend(1, 1, 0, entries(2, 1, 2, 2, 3));

    assertThat(lastNew).isEqualTo(5);
    assertThat(log.unstableEntries()).isEqualTo(entries(4, 2, 3));
  }

  @Test
  void theFirstConflictAndEverythingAfterItAreReplaced() {
    RaftLog log = logWithTerms(1, 1, 2, 2, 2);

    long lastNew = log.maybeAppend(2, 1, 0, entries(3, 2, 3));

    assertThat(lastNew).isEqualTo(4);
    assertThat(terms(log)).containsExactly(1L, 1L, 2L, 3L);
    assertThat(log.unstableEntries()).isEqualTo(entries(4, 3));
  }

  @Test
  void anEmptyAppendOnlyChecksTheMatch() {
    RaftLog log = logWithTerms(1, 1, 2);

    assertThat(log.maybeAppend(2, 1, 0, List.of())).isEqualTo(2);
    assertThat(log.maybeAppend(0, 0, 0, List.of())).isZero();
    assertThat(log.lastIndex()).isEqualTo(3);
  }

  @Test
  void commitFollowsTheLeaderButNotPastTheLastNewEntry() {
    RaftLog log = logWithTerms(1, 1, 1, 1, 1);

    log.maybeAppend(1, 1, 10, entries(2, 1));
    assertThat(log.committed).isEqualTo(2);

    log.maybeAppend(2, 1, 3, entries(3, 1, 1));
    assertThat(log.committed).isEqualTo(3);
  }

  @Test
  void commitNeverGoesBackOnAStaleAppend() {
    RaftLog log = logWithTerms(1, 1, 1, 1);
    log.maybeAppend(3, 1, 3, List.of());

    log.maybeAppend(1, 1, 1, entries(2, 1));

    assertThat(log.committed).isEqualTo(3);
  }

  @Test
  void aConflictWithTheCommittedPrefixIsAnInvariantViolation() {
    RaftLog log = logWithTerms(1, 1, 1);
    log.commitTo(2);

    assertThatThrownBy(() -> log.maybeAppend(1, 1, 3, entries(2, 2)))
        .isInstanceOf(AssertionError.class);
    assertThat(terms(log)).containsExactly(1L, 1L, 1L);
  }

  // ------------------------------------------------------------------ findConflictByTerm

  /** The leader's log in Raft paper Figure 7, at the start of term 8. */
  private static final long[] LEADER = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6};

  @Test
  void findConflictByTermStopsAtTheLastEntryOfTermAtMostTheGivenOne() {
    RaftLog log = logWithTerms(LEADER);

    assertThat(log.findConflictByTerm(10, 6)).containsExactly(10, 6);
    assertThat(log.findConflictByTerm(10, 5)).containsExactly(7, 5);
    assertThat(log.findConflictByTerm(10, 4)).containsExactly(5, 4);
    assertThat(log.findConflictByTerm(10, 3)).containsExactly(3, 1);
    assertThat(log.findConflictByTerm(7, 4)).containsExactly(5, 4);
    assertThat(log.findConflictByTerm(4, 8)).containsExactly(4, 4);
  }

  @Test
  void findConflictByTermBelowEveryTermReachesIndexZero() {
    RaftLog log = logWithTerms(LEADER);

    assertThat(log.findConflictByTerm(10, 0)).containsExactly(0, 0);
    assertThat(log.findConflictByTerm(0, 6)).containsExactly(0, 0);
  }

  @Test
  void findConflictByTermBeyondTheLogAnswersAnUnknownTerm() {
    RaftLog log = logWithTerms(LEADER);

    assertThat(log.findConflictByTerm(12, 6)).containsExactly(12, 0);
  }

  @Test
  void findConflictByTermStopsAtTheCompactedPrefixWithAnUnknownTerm() {
    MemoryLogStore store = Logs.storeWithTerms(LEADER);
    store.saveSnapshot(5, ConfState.EMPTY, Bytes.EMPTY);
    store.compact(5);
    RaftLog log = new RaftLog(store);

    // The term at the compaction boundary is still known ...
    assertThat(log.findConflictByTerm(10, 4)).containsExactly(5, 4);
    // ... below it nothing is.
    assertThat(log.findConflictByTerm(10, 3)).containsExactly(4, 0);
  }

  // ------------------------------------------------------------------ Figure 7

  /**
   * Follower logs (a) to (f) of Raft paper Figure 7, the last index each shares with LEADER, and
   * its last index once repaired.
   */
  static Stream<Arguments> figure7() {
    return Stream.of(
        Arguments.of("a", new long[] {1, 1, 1, 4, 4, 5, 5, 6, 6}, 9, 10),
        Arguments.of("b", new long[] {1, 1, 1, 4}, 4, 10),
        Arguments.of("c", new long[] {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6}, 10, 11),
        Arguments.of("d", new long[] {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7}, 10, 12),
        Arguments.of("e", new long[] {1, 1, 1, 4, 4, 4, 4}, 5, 10),
        Arguments.of("f", new long[] {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3}, 3, 10));
  }

  /**
   * The leader probes from its last index; on each rejection the follower names its last entry of a
   * term at most the rejected one and the leader skips to where its own log agrees with that. One
   * rejection at most brings every follower of Figure 7 back in line (the paper's
   * one-index-at-a-time backoff needs up to seven for (f)).
   */
  @ParameterizedTest(name = "follower ({0})")
  @MethodSource("figure7")
  void leaderRepairsAFollowerFromFigure7(
      String name, long[] followerTerms, long sharedPrefix, long lastIndexAfter) {
    RaftLog leader = logWithTerms(LEADER);
    RaftLog follower = logWithTerms(followerTerms);
    Progress pr = new Progress(leader.lastIndex() + 1, 8, Long.MAX_VALUE, false);
    List<Long> rejected = new ArrayList<>();
    long firstMatch = -1;

    for (int round = 0; round < 20 && pr.match < leader.lastIndex(); round++) {
      long prevIndex = pr.next - 1;
      long prevTerm = leader.term(prevIndex);
      List<Entry> sent = leader.entriesFrom(pr.next, Long.MAX_VALUE);
      pr.sentEntries(prevIndex + sent.size(), 0, sent.size());
      long lastNew = follower.maybeAppend(prevIndex, prevTerm, 0, sent);
      if (lastNew >= 0) {
        firstMatch = firstMatch < 0 ? prevIndex : firstMatch;
        pr.maybeUpdate(lastNew);
        pr.becomeReplicate();
        continue;
      }
      rejected.add(prevIndex);
      long[] hint =
          follower.findConflictByTerm(Math.min(prevIndex, follower.lastIndex()), prevTerm);
      long nextProbe = hint[1] > 0 ? leader.findConflictByTerm(hint[0], hint[1])[0] : hint[0];
      assertThat(pr.maybeDecreaseTo(prevIndex, nextProbe)).isTrue();
    }

    assertThat(rejected).hasSizeLessThanOrEqualTo(1);
    assertThat(firstMatch).isEqualTo(sharedPrefix);
    assertThat(pr.match).isEqualTo(leader.lastIndex());
    assertThat(terms(follower).subList(0, LEADER.length)).containsExactly(boxed(LEADER));
    // (c) and (d) keep their extra entries: nothing the leader sent conflicts with them yet.
    assertThat(follower.lastIndex()).isEqualTo(lastIndexAfter);
  }

  private static Long[] boxed(long[] terms) {
    Long[] out = new Long[terms.length];
    for (int i = 0; i < terms.length; i++) {
      out[i] = terms[i];
    }
    return out;
  }

  // ------------------------------------------------------------------ isUpToDate

  @Test
  void aLaterLastTermIsMoreUpToDateWhateverTheLength() {
    RaftLog log = logWithTerms(1, 1, 2, 2, 2);

    assertThat(log.isUpToDate(1, 3)).isTrue();
    assertThat(log.isUpToDate(9, 1)).isFalse();
  }

  @Test
  void withTheSameLastTermTheLongerLogIsMoreUpToDate() {
    RaftLog log = logWithTerms(1, 1, 2, 2, 2);

    assertThat(log.isUpToDate(6, 2)).isTrue();
    assertThat(log.isUpToDate(5, 2)).isTrue();
    assertThat(log.isUpToDate(4, 2)).isFalse();
  }

  @Test
  void anyLogIsAsUpToDateAsAnEmptyOne() {
    RaftLog log = new RaftLog(new MemoryLogStore());

    assertThat(log.isUpToDate(0, 0)).isTrue();
    assertThat(log.isUpToDate(3, 1)).isTrue();
  }
}
