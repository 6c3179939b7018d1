package io.synod.kv;

import static io.synod.kv.Kv.b;
import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import io.synod.kv.RecordingSink.Canceled;
import io.synod.kv.RecordingSink.Offer;
import io.synod.kv.RecordingSink.Progress;
import io.synod.raft.ConfState;
import io.synod.raft.SnapshotMeta;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Watch semantics (etcd-api.md §3). */
class WatchHubTest {
  final Kv kv = new Kv(new KvConfig(2, new WatchConfig(3, 1000, 200, 60_000)));
  final RecordingSink sink = new RecordingSink();
  final WatchStream stream = kv.sm.watchHub().openStream(sink);

  static WatchRequest watch(String key, String end, long start) {
    return new WatchRequest(b(key), b(end), start, false, false, false, false, 0, false);
  }

  long create(WatchRequest r) {
    WatchCreateResult result = stream.create(r);
    assertThat(result).isInstanceOf(WatchCreateResult.Created.class);
    return ((WatchCreateResult.Created) result).watchId();
  }

  void pumpAll() {
    for (int i = 0; i < 1000 && kv.sm.watchHub().pump(); i++) {
      // keep going until everyone caught up
    }
  }

  @Test
  void idsArePerStreamStartAtZeroAndSkipIdsInUse() {
    assertThat(create(watch("a", "", 0))).isZero();
    WatchRequest withId = new WatchRequest(b("a"), b(""), 0, false, false, false, false, 2, false);
    assertThat(create(withId)).isEqualTo(2);
    assertThat(create(watch("a", "", 0))).isEqualTo(1);
    assertThat(create(watch("a", "", 0))).isEqualTo(3);
    assertThat(stream.create(withId))
        .isEqualTo(new WatchCreateResult.Rejected(WatchStream.DUPLICATE_ID));
    WatchStream other = kv.sm.watchHub().openStream(new RecordingSink());
    assertThat(((WatchCreateResult.Created) other.create(watch("a", "", 0))).watchId()).isZero();
    assertThat(WatchStream.DUPLICATE_ID)
        .isEqualTo("mvcc: duplicate watch ID provided on the WatchStream");
  }

  @Test
  void anEmptyRangeIsRejected() {
    assertThat(stream.create(watch("b", "a", 0)))
        .isEqualTo(new WatchCreateResult.Rejected("mvcc: watcher range is empty"));
    assertThat(stream.create(watch("b", "b", 0)))
        .isEqualTo(new WatchCreateResult.Rejected(WatchStream.EMPTY_RANGE));
    assertThat(
            stream.create(
                new WatchRequest(b("b"), Kv.ZERO, 0, false, false, false, false, 0, false)))
        .isInstanceOf(WatchCreateResult.Created.class);
  }

  @Test
  void anEmptyKeyWatchesTheZeroKeyAndZeroToZeroWatchesEverything() {
    long single = create(watch("", "", 0));
    long all =
        create(new WatchRequest(Bytes.EMPTY, Kv.ZERO, 0, false, false, false, false, 0, false));
    kv.put("a", "1");
    assertThat(sink.events(single)).isEmpty();
    assertThat(sink.summary(all)).containsExactly("PUT a=1@2");
  }

  @Test
  void startZeroSeesOnlyFutureEventsAndCreatedCarriesTheRevision() {
    kv.put("a", "old");
    WatchCreateResult r = stream.create(watch("a", "", 0));
    assertThat(r).isEqualTo(new WatchCreateResult.Created(0, 2));
    kv.put("a", "new");
    assertThat(sink.calls).containsExactly(new Offer(0, 3, sink.events(0), false));
    assertThat(sink.summary(0)).containsExactly("PUT a=new@3");
  }

  @Test
  void aPastStartReplaysHistoryInclusivelyOnlyAfterCreateReturned() {
    kv.put("a", "1");
    kv.put("b", "x");
    kv.put("a", "2");
    long id = create(watch("a", "", 2));
    assertThat(sink.calls).isEmpty();
    pumpAll();
    assertThat(sink.summary(id)).containsExactly("PUT a=1@2", "PUT a=2@4");
    kv.put("a", "3");
    assertThat(sink.summary(id)).containsExactly("PUT a=1@2", "PUT a=2@4", "PUT a=3@5");
  }

  @Test
  void aFutureStartWaitsForItsRevision() {
    long id = create(watch("a", "", 4));
    kv.put("a", "1");
    kv.put("a", "2");
    kv.put("a", "3");
    assertThat(sink.summary(id)).containsExactly("PUT a=3@4");
  }

  @Test
  void filtersDropPutsOrDeletes() {
    long noPut = create(new WatchRequest(b("a"), b(""), 0, false, true, false, false, 0, false));
    long noDelete = create(new WatchRequest(b("a"), b(""), 0, false, false, true, false, 0, false));
    kv.put("a", "1");
    kv.delete("a", "");
    assertThat(sink.summary(noPut)).containsExactly("DELETE a@3");
    assertThat(sink.summary(noDelete)).containsExactly("PUT a=1@2");
  }

  @Test
  void prevKvComesWithUpdatesAndDeletesButNotCreations() {
    long id = create(new WatchRequest(b("a"), b(""), 0, false, false, false, true, 0, false));
    kv.put("a", "1");
    kv.put("a", "2");
    kv.delete("a", "");
    kv.put("a", "3");
    assertThat(sink.summary(id))
        .containsExactly("PUT a=1@2", "PUT a=2@3 prev=1", "DELETE a@4 prev=2", "PUT a=3@5");
  }

  @Test
  void aDeleteEventHoldsOnlyTheKeyAndTheRevisionOfTheDelete() {
    long id = create(watch("a", "", 0));
    kv.put("a", "1");
    kv.delete("a", "");
    Event delete = sink.events(id).get(1);
    assertThat(delete.type()).isEqualTo(Event.Type.DELETE);
    assertThat(delete.kv()).isEqualTo(new KeyValue(b("a"), 0, 3, 0, Bytes.EMPTY, 0));
  }

  @Test
  void eventsOfOneTxnComeInOneResponseInOrder() {
    long id = create(watch("a", "z", 0));
    kv.apply(
        TxnTest.txn(
            List.of(),
            List.of(TxnTest.put("c", "1"), TxnTest.put("a", "1"), TxnTest.del("q", "")),
            List.of()));
    assertThat(sink.offers()).hasSize(1);
    assertThat(sink.summary(id)).containsExactly("PUT c=1@2", "PUT a=1@2");
  }

  @Test
  void leaseRevocationProducesDeleteEventsInOneResponse() {
    long lease = kv.grant(60);
    kv.put("a", "1", lease);
    kv.put("b", "1", lease);
    long id = create(watch("a", "z", 0));
    kv.apply(new KvCommand.LeaseRevoke(lease));
    assertThat(sink.offers()).hasSize(1);
    assertThat(sink.summary(id)).containsExactly("DELETE a@4", "DELETE b@4");
  }

  @Test
  void cancelTellsTheSinkWithNoReasonAndStopsEvents() {
    long id = create(watch("a", "", 0));
    assertThat(stream.cancel(id)).isTrue();
    assertThat(stream.cancel(id)).isFalse();
    kv.put("a", "1");
    assertThat(sink.calls).containsExactly(new Canceled(id, 0, ""));
    assertThat(kv.sm.watchHub().watcherCount()).isZero();
  }

  @Test
  void aStartBelowTheCompactionPointIsCanceledWithTheCompactRevision() {
    kv.put("a", "1");
    kv.put("a", "2");
    kv.put("a", "3");
    kv.apply(new KvCommand.Compact(3, false));
    long early = create(watch("a", "", 2));
    long atPoint = create(watch("a", "", 3));
    pumpAll();
    assertThat(sink.calls).contains(new Canceled(early, 3, ""));
    assertThat(sink.summary(atPoint)).containsExactly("PUT a=2@3", "PUT a=3@4");
  }

  @Test
  void aSlowSinkFallsBehindAndCatchesUpWithoutLossDuplicationOrReordering() {
    long id = create(watch("k", "", 0));
    sink.accept = () -> false;
    for (int i = 0; i < 10; i++) {
      kv.put("k", "v" + i);
    }
    assertThat(sink.refused).isEqualTo(1);
    assertThat(kv.sm.watchHub().unsyncedCount()).isEqualTo(1);
    pumpAll();
    assertThat(sink.events(id)).isEmpty();
    sink.accept = () -> true;
    kv.sm.watchHub().pump();
    // Catch-up batches hold at least 3 events (the configured limit), whole revisions only.
    assertThat(sink.offers().get(0).events()).hasSize(3);
    pumpAll();
    kv.put("k", "last");
    List<String> expected = new java.util.ArrayList<>();
    for (int i = 0; i < 10; i++) {
      expected.add("PUT k=v" + i + "@" + (i + 2));
    }
    expected.add("PUT k=last@12");
    assertThat(sink.summary(id)).isEqualTo(expected);
    assertThat(kv.sm.watchHub().unsyncedCount()).isZero();
  }

  @Test
  void aCatchUpBatchNeverSplitsARevision() {
    for (int i = 0; i < 3; i++) {
      kv.put("x" + i, "1");
    }
    kv.apply(
        TxnTest.txn(
            List.of(),
            List.of(
                TxnTest.put("a", "1"),
                TxnTest.put("b", "1"),
                TxnTest.put("c", "1"),
                TxnTest.put("d", "1")),
            List.of()));
    long id = create(new WatchRequest(Kv.ZERO, Kv.ZERO, 2, false, false, false, false, 0, false));
    pumpAll();
    assertThat(sink.offers()).extracting(o -> o.events().size()).containsExactly(3, 4);
    assertThat(sink.offers()).extracting(Offer::revision).containsExactly(4L, 5L);
    assertThat(sink.events(id)).hasSize(7);
  }

  @Test
  void anUnsyncedWatcherWhoseHistoryIsCompactedIsCanceled() {
    long id = create(watch("k", "", 0));
    sink.accept = () -> false;
    kv.put("k", "1");
    kv.put("k", "2");
    kv.apply(new KvCommand.Compact(3, false));
    pumpAll();
    assertThat(sink.calls).containsExactly(new Canceled(id, 3, ""));
  }

  @Test
  void largeResponsesAreFragmentedOnlyForWatchersThatAskedAndResumeAfterARefusal() {
    long plain = create(new WatchRequest(b("a"), b("z"), 0, false, false, false, false, 0, false));
    long fragments =
        create(new WatchRequest(b("a"), b("z"), 0, false, false, false, false, 0, true));
    int[] offers = {0};
    sink.accept = () -> offers[0]++ != 2; // refuse the second piece of the fragmented watcher
    String big = "x".repeat(60); // 93 bytes an event: two fit under 200
    kv.apply(
        TxnTest.txn(
            List.of(),
            List.of(
                TxnTest.put("a", big),
                TxnTest.put("b", big),
                TxnTest.put("c", big),
                TxnTest.put("d", big),
                TxnTest.put("e", big)),
            List.of()));
    pumpAll();
    List<Offer> toPlain = sink.offers().stream().filter(o -> o.watchId() == plain).toList();
    assertThat(toPlain).hasSize(1);
    assertThat(toPlain.get(0).fragment()).isFalse();
    List<Offer> pieces = sink.offers().stream().filter(o -> o.watchId() == fragments).toList();
    assertThat(pieces).extracting(Offer::fragment).containsExactly(true, true, false);
    assertThat(pieces).allSatisfy(p -> assertThat(p.events().size()).isBetween(1, 2));
    assertThat(sink.summary(fragments)).isEqualTo(sink.summary(plain)).hasSize(5);
  }

  @Test
  void aProgressRequestAnswersAtOnceWhenEveryWatcherIsSynced() {
    create(watch("a", "", 0));
    kv.put("a", "1");
    stream.requestProgress();
    assertThat(sink.calls).last().isEqualTo(new Progress(WatchStream.ALL_WATCHERS, 2));
  }

  @Test
  void aProgressRequestWaitsUntilTheStreamCaughtUp() {
    kv.put("a", "1");
    kv.put("a", "2");
    long id = create(watch("a", "", 2));
    stream.requestProgress();
    assertThat(sink.calls).isEmpty();
    pumpAll();
    assertThat(sink.summary(id)).hasSize(2);
    assertThat(sink.calls).last().isEqualTo(new Progress(-1, 3));
  }

  @Test
  void progressNotifyReachesQuietWatchersOnlyAfterAnInterval() {
    long quiet = create(new WatchRequest(b("q"), b(""), 0, true, false, false, false, 0, false));
    long busy = create(new WatchRequest(b("b"), b(""), 0, true, false, false, false, 0, false));
    long silent = create(watch("q", "", 0));
    WatchHub hub = kv.sm.watchHub();
    hub.progress(0);
    kv.put("b", "1");
    hub.progress(59_999);
    assertThat(sink.calls).noneMatch(c -> c instanceof Progress);
    hub.progress(60_000);
    assertThat(sink.calls)
        .filteredOn(c -> c instanceof Progress)
        .containsExactly(new Progress(quiet, 2));
    hub.progress(120_000);
    assertThat(sink.calls)
        .filteredOn(c -> c instanceof Progress)
        .containsExactly(new Progress(quiet, 2), new Progress(quiet, 2), new Progress(busy, 2));
    assertThat(silent).isNotEqualTo(quiet);
  }

  @Test
  void aClosedStreamHearsNothingMore() {
    create(watch("a", "", 0));
    stream.close();
    kv.put("a", "1");
    assertThat(sink.calls).isEmpty();
    assertThat(kv.sm.watchHub().watcherCount()).isZero();
    assertThat(stream.create(watch("a", "", 0))).isInstanceOf(WatchCreateResult.Rejected.class);
  }

  @Test
  void afterASnapshotInstallWatchersCatchUpFromTheNewLog() {
    long id = create(watch("a", "", 0));
    Kv leader = new Kv();
    leader.put("a", "1");
    leader.put("a", "2");
    kv.sm.restore(new SnapshotMeta(2, 1, ConfState.EMPTY), leader.sm.snapshot());
    pumpAll();
    assertThat(sink.summary(id)).containsExactly("PUT a=1@2", "PUT a=2@3");
    kv.put("a", "3");
    assertThat(sink.summary(id)).hasSize(3);
  }
}
