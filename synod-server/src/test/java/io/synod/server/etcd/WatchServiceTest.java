package io.synod.server.etcd;

import static io.synod.server.etcd.KvServiceTest.bs;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The Watch service against a three-member cluster (etcd-api.md §3). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WatchServiceTest {
  @TempDir static Path dir;
  private EtcdCluster cluster;
  private KVGrpc.KVBlockingStub kv;
  private int leaderIndex;
  private int followerIndex;

  @BeforeAll
  void start() throws Exception {
    cluster = new EtcdCluster(3, dir);
    leaderIndex = cluster.awaitLeader();
    followerIndex = cluster.follower();
    kv = KVGrpc.newBlockingStub(cluster.channel(leaderIndex));
  }

  @AfterAll
  void stop() {
    cluster.close();
  }

  private long put(String k, String v) {
    return kv.put(PutRequest.newBuilder().setKey(bs(k)).setValue(bs(v)).build())
        .getHeader()
        .getRevision();
  }

  private WatchClient watch(int member) {
    return new WatchClient(cluster.channel(member), false);
  }

  private static WatchCreateRequest.Builder prefix(String p) {
    String end = p.substring(0, p.length() - 1) + (char) (p.charAt(p.length() - 1) + 1);
    return WatchCreateRequest.newBuilder().setKey(bs(p)).setRangeEnd(bs(end));
  }

  @Test
  void createdResponsesComeInOrderWithIdsFromZero() throws Exception {
    long rev = put("co/x", "1");
    try (WatchClient w = watch(leaderIndex)) {
      w.create(prefix("co/"));
      w.create(WatchCreateRequest.newBuilder().setKey(bs("co/x")));
      WatchResponse first = w.next();
      WatchResponse second = w.next();
      assertThat(first.getCreated()).isTrue();
      assertThat(first.getWatchId()).isZero();
      assertThat(first.getHeader().getRevision()).isGreaterThanOrEqualTo(rev);
      assertThat(first.getHeader().getClusterId()).isNotZero();
      assertThat(second.getCreated()).isTrue();
      assertThat(second.getWatchId()).isEqualTo(1);
      long r = put("co/x", "2");
      List<WatchResponse> events = List.of(w.next(), w.next());
      assertThat(events).extracting(WatchResponse::getWatchId).containsExactlyInAnyOrder(0L, 1L);
      assertThat(events).allSatisfy(e -> assertThat(e.getHeader().getRevision()).isEqualTo(r));
    }
  }

  @Test
  void txnEventsComeInOneResponseWithPrevKvButNotForCreations() throws Exception {
    put("tx/a", "old");
    try (WatchClient w = watch(followerIndex)) {
      w.create(prefix("tx/").setPrevKv(true));
      assertThat(w.next().getCreated()).isTrue();
      TxnRequest t =
          TxnRequest.newBuilder()
              .addSuccess(
                  RequestOp.newBuilder()
                      .setRequestPut(
                          PutRequest.newBuilder().setKey(bs("tx/a")).setValue(bs("new"))))
              .addSuccess(
                  RequestOp.newBuilder()
                      .setRequestPut(PutRequest.newBuilder().setKey(bs("tx/b")).setValue(bs("b"))))
              .build();
      long rev = kv.txn(t).getHeader().getRevision();
      WatchResponse r = w.next();
      assertThat(r.getHeader().getRevision()).isEqualTo(rev);
      assertThat(r.getEventsCount()).isEqualTo(2);
      Event update = r.getEvents(0);
      assertThat(update.getType()).isEqualTo(Event.EventType.PUT);
      assertThat(update.getPrevKv().getValue().toStringUtf8()).isEqualTo("old");
      Event creation = r.getEvents(1);
      assertThat(creation.getKv().getVersion()).isEqualTo(1);
      assertThat(creation.hasPrevKv()).isFalse();
      long del =
          kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(bs("tx/a")).build())
              .getHeader()
              .getRevision();
      Event delete = w.next().getEvents(0);
      assertThat(delete.getType()).isEqualTo(Event.EventType.DELETE);
      assertThat(delete.getKv())
          .isEqualTo(
              io.etcd.jetcd.api.KeyValue.newBuilder()
                  .setKey(bs("tx/a"))
                  .setModRevision(del)
                  .build());
      assertThat(delete.getPrevKv().getValue().toStringUtf8()).isEqualTo("new");
    }
  }

  @Test
  void pastStartRevisionReplaysHistoryInclusivelyAndFiltersApply() throws Exception {
    long first = put("past/a", "1");
    put("past/b", "2");
    kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(bs("past/a")).build());
    try (WatchClient all = watch(leaderIndex);
        WatchClient deletes = watch(leaderIndex)) {
      all.create(prefix("past/").setStartRevision(first));
      deletes.create(
          prefix("past/").setStartRevision(first).addFilters(WatchCreateRequest.FilterType.NOPUT));
      assertThat(all.next().getCreated()).isTrue();
      List<Event> events = new ArrayList<>();
      while (events.size() < 3) {
        events.addAll(all.next().getEventsList());
      }
      assertThat(events)
          .extracting(e -> e.getKv().getKey().toStringUtf8())
          .containsExactly("past/a", "past/b", "past/a");
      assertThat(events.get(0).getKv().getModRevision()).isEqualTo(first);
      assertThat(deletes.next().getCreated()).isTrue();
      WatchResponse d = deletes.next();
      assertThat(d.getEventsList())
          .extracting(Event::getType)
          .containsExactly(Event.EventType.DELETE);
    }
  }

  @Test
  void progressCancelAndRejectedCreates() throws Exception {
    try (WatchClient w = watch(leaderIndex)) {
      w.create(WatchCreateRequest.newBuilder().setKey(bs("pc/a")));
      assertThat(w.next().getCreated()).isTrue();
      long rev = put("other", "x");
      w.progress();
      WatchResponse p = w.next();
      assertThat(p.getWatchId()).isEqualTo(-1);
      assertThat(p.getHeader().getRevision()).isGreaterThanOrEqualTo(rev);
      assertThat(p.getEventsCount()).isZero();
      // Duplicate explicit id (watch_id travels as a field jetcd's stubs lack).
      WatchCreateRequest.Builder withId =
          WatchCreateRequest.newBuilder()
              .setKey(bs("pc/b"))
              .setUnknownFields(EtcdSchema.varint(EtcdSchema.WATCH_CREATE_WATCH_ID, 7));
      w.create(withId.clone());
      WatchResponse seven = w.next();
      assertThat(seven.getCreated()).isTrue();
      assertThat(seven.getWatchId()).isEqualTo(7);
      w.create(withId.clone());
      WatchResponse dup = w.next();
      assertThat(dup.getCreated()).isTrue();
      assertThat(dup.getCanceled()).isTrue();
      assertThat(dup.getWatchId()).isEqualTo(-1);
      assertThat(dup.getCancelReason())
          .isEqualTo("mvcc: duplicate watch ID provided on the WatchStream");
      w.create(WatchCreateRequest.newBuilder().setKey(bs("pc/z")).setRangeEnd(bs("pc/a")));
      WatchResponse empty = w.next();
      assertThat(empty.getCanceled()).isTrue();
      assertThat(empty.getWatchId()).isEqualTo(-1);
      assertThat(empty.getCancelReason()).isEqualTo("mvcc: watcher range is empty");
      w.cancel(0);
      WatchResponse c = w.next();
      assertThat(c.getWatchId()).isZero();
      assertThat(c.getCanceled()).isTrue();
      assertThat(c.getCancelReason()).isEmpty();
      assertThat(c.getCompactRevision()).isZero();
      put("pc/a", "after cancel");
      put("pc/b", "to seven");
      WatchResponse next = w.next();
      assertThat(next.getWatchId()).isEqualTo(7); // nothing for the canceled watcher
    }
  }

  @Test
  void compactedStartRevisionCancelsWithCompactRevisionAndEmptyHeaderRevision() throws Exception {
    long old = put("cp/a", "1");
    long compactAt = put("cp/a", "2");
    kv.compact(CompactionRequest.newBuilder().setRevision(compactAt).build());
    try (WatchClient w = watch(followerIndex)) {
      w.create(prefix("cp/").setStartRevision(old));
      assertThat(w.next().getCreated()).isTrue();
      WatchResponse c = w.next();
      assertThat(c.getCanceled()).isTrue();
      assertThat(c.getCompactRevision()).isGreaterThanOrEqualTo(compactAt);
      assertThat(c.getHeader().getRevision()).isZero();
      assertThat(c.getHeader().getMemberId()).isNotZero();
    }
  }

  @Test
  void slowReaderGetsEveryEventOnceInOrder() throws Exception {
    int n = 700;
    List<WatchResponse> got = new CopyOnWriteArrayList<>();
    CompletableFuture<ClientCallStreamObserver<WatchRequest>> requests = new CompletableFuture<>();
    WatchGrpc.newStub(cluster.channel(followerIndex))
        .watch(
            new ClientResponseObserver<WatchRequest, WatchResponse>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<WatchRequest> r) {
                r.disableAutoRequestWithInitial(1);
                requests.complete(r);
              }

              @Override
              public void onNext(WatchResponse value) {
                got.add(value);
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
    ClientCallStreamObserver<WatchRequest> r = requests.get(10, TimeUnit.SECONDS);
    r.onNext(WatchRequest.newBuilder().setCreateRequest(prefix("slow/")).build());
    io.synod.server.Await.until(EtcdCluster.LIMIT, "created", () -> got.size() == 1);
    KVGrpc.KVFutureStub async = KVGrpc.newFutureStub(cluster.channel(leaderIndex));
    List<com.google.common.util.concurrent.ListenableFuture<?>> puts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      puts.add(
          async.put(
              PutRequest.newBuilder()
                  .setKey(bs("slow/" + (i % 10)))
                  .setValue(bs("v" + i))
                  .build()));
      if (puts.size() == 50) {
        for (var f : puts) {
          f.get(20, TimeUnit.SECONDS);
        }
        puts.clear();
      }
    }
    for (var f : puts) {
      f.get(20, TimeUnit.SECONDS);
    }
    r.request(Integer.MAX_VALUE);
    io.synod.server.Await.until(
        EtcdCluster.LIMIT,
        "all events",
        () -> got.stream().mapToInt(WatchResponse::getEventsCount).sum() >= n);
    List<Long> revisions = new ArrayList<>();
    for (WatchResponse w : got) {
      for (Event e : w.getEventsList()) {
        revisions.add(e.getKv().getModRevision());
      }
    }
    assertThat(revisions).hasSize(n).isSorted().doesNotHaveDuplicates();
    r.cancel("done", null);
  }

  @Test
  void jetcdResumesFromTheLastRevisionPlusOne() throws Exception {
    Client client = cluster.client(followerIndex);
    ByteSequence key = ByteSequence.from("resume/k", StandardCharsets.UTF_8);
    List<WatchEvent> first = new CopyOnWriteArrayList<>();
    // From the revision of a first put, so the watcher sees it however late it is created.
    long r0 = put("resume/k", "v0");
    Watch.Watcher w1 =
        client
            .getWatchClient()
            .watch(
                key,
                WatchOption.builder().withRevision(r0).build(),
                resp -> first.addAll(resp.getEvents()));
    io.synod.server.Await.until(EtcdCluster.LIMIT, "first event", () -> !first.isEmpty());
    w1.close();
    long last = first.get(first.size() - 1).getKeyValue().getModRevision();
    put("resume/k", "after-1");
    long lastPut = put("resume/k", "after-2");
    List<WatchEvent> resumed = new CopyOnWriteArrayList<>();
    client
        .getWatchClient()
        .watch(
            key,
            WatchOption.builder().withRevision(last + 1).build(),
            resp -> resumed.addAll(resp.getEvents()));
    io.synod.server.Await.until(
        EtcdCluster.LIMIT,
        "resumed events",
        () ->
            !resumed.isEmpty()
                && resumed.get(resumed.size() - 1).getKeyValue().getModRevision() == lastPut);
    assertThat(resumed.get(0).getKeyValue().getModRevision()).isEqualTo(last + 1);
    List<Long> revs = resumed.stream().map(e -> e.getKeyValue().getModRevision()).toList();
    assertThat(revs).isSorted().doesNotHaveDuplicates();
  }
}
