package io.synod.server.etcd;

import static io.synod.server.etcd.KvServiceTest.bs;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A watcher that asks for fragments gets a response larger than max-request-bytes + 512 KiB split
 * into pieces, all but the last marked {@code fragment} (a field jetcd's stubs lack); one that does
 * not gets it whole (etcd-api.md §3).
 */
class WatchFragmentTest {
  @TempDir Path dir;

  private static boolean fragment(WatchResponse r) {
    return EtcdSchema.unknownVarint(r.getUnknownFields(), EtcdSchema.WATCH_RESPONSE_FRAGMENT) != 0;
  }

  @Test
  void largeResponsesAreFragmentedOnlyWhenAsked() throws Exception {
    try (EtcdCluster c = new EtcdCluster(1, dir, "--max-request-bytes=600000")) {
      KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(c.channel(0));
      ByteString value = ByteString.copyFrom(new byte[500_000]);
      long first = 0;
      for (int i = 0; i < 3; i++) {
        long rev =
            kv.put(PutRequest.newBuilder().setKey(bs("big")).setValue(value).build())
                .getHeader()
                .getRevision();
        first = first == 0 ? rev : first;
      }
      try (WatchClient w = new WatchClient(c.channel(0), false)) {
        w.create(
            WatchCreateRequest.newBuilder()
                .setKey(bs("big"))
                .setStartRevision(first)
                .setUnknownFields(EtcdSchema.varint(EtcdSchema.WATCH_CREATE_FRAGMENT, 1)));
        assertThat(w.next().getCreated()).isTrue();
        WatchResponse a = w.next();
        WatchResponse b = w.next();
        assertThat(fragment(a)).isTrue();
        assertThat(fragment(b)).isFalse();
        assertThat(a.getEventsCount() + b.getEventsCount()).isEqualTo(3);
        assertThat(a.getHeader().getRevision()).isEqualTo(b.getHeader().getRevision());
      }
      try (WatchClient w = new WatchClient(c.channel(0), false)) {
        w.create(WatchCreateRequest.newBuilder().setKey(bs("big")).setStartRevision(first));
        assertThat(w.next().getCreated()).isTrue();
        WatchResponse whole = w.next();
        assertThat(fragment(whole)).isFalse();
        assertThat(whole.getEventsCount()).isEqualTo(3);
      }
    }
  }

  @Test
  void oneLiveRevisionIsSplitAtTheLimitAndEveryPieceCarriesItsRevision() throws Exception {
    try (EtcdCluster c = new EtcdCluster(1, dir, "--max-request-bytes=600000")) {
      KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(c.channel(0));
      for (int i = 0; i < 5; i++) {
        kv.put(
            PutRequest.newBuilder()
                .setKey(bs("t/" + i))
                .setValue(ByteString.copyFrom(new byte[400_000]))
                .build());
      }
      try (WatchClient w = new WatchClient(c.channel(0), false)) {
        w.create(
            WatchCreateRequest.newBuilder()
                .setKey(bs("t/"))
                .setRangeEnd(bs("t0"))
                .setPrevKv(true)
                .setUnknownFields(EtcdSchema.varint(EtcdSchema.WATCH_CREATE_FRAGMENT, 1)));
        assertThat(w.next().getCreated()).isTrue();
        // One small request deletes five keys of 400,000 bytes in one revision; with prev_kv the
        // events weigh 2 MB. The limit is 600,000 + 512 KiB = 1,124,288 bytes, so the pieces
        // hold two events, two events, then the last one.
        long rev =
            kv.deleteRange(
                    DeleteRangeRequest.newBuilder().setKey(bs("t/")).setRangeEnd(bs("t0")).build())
                .getHeader()
                .getRevision();
        WatchResponse[] pieces = {w.next(), w.next(), w.next()};
        assertThat(pieces)
            .extracting(WatchFragmentTest::fragment)
            .containsExactly(true, true, false);
        assertThat(pieces).extracting(WatchResponse::getEventsCount).containsExactly(2, 2, 1);
        for (WatchResponse p : pieces) {
          assertThat(p.getHeader().getRevision()).isEqualTo(rev);
          assertThat(p.getWatchId()).isZero();
          assertThat(p.getEventsList())
              .allMatch(
                  e ->
                      e.getKv().getModRevision() == rev
                          && e.getPrevKv().getValue().size() == 400_000);
        }
        assertThat(pieces[2].getEvents(0).getKv().getKey()).isEqualTo(bs("t/4"));
      }
    }
  }
}
