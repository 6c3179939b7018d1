package io.synod.server.etcd;

import static io.synod.server.etcd.KvServiceTest.assertError;
import static io.synod.server.etcd.KvServiceTest.bs;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.synod.server.Await;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd's {@code hasleader} semantics when a member loses its leader (etcd-api.md §0, §3). */
class LeaderLossTest {
  @TempDir Path dir;

  @Test
  void requireLeaderStreamsEndAndNewCallsFailWithNoLeader() throws Exception {
    try (EtcdCluster c = new EtcdCluster(3, dir)) {
      int survivor = c.follower();
      try (WatchClient plain = new WatchClient(c.channel(survivor), false);
          WatchClient strict = new WatchClient(c.channel(survivor), true)) {
        plain.create(WatchCreateRequest.newBuilder().setKey(bs("x")));
        strict.create(WatchCreateRequest.newBuilder().setKey(bs("x")));
        assertThat(plain.next().getCreated()).isTrue();
        assertThat(strict.next().getCreated()).isTrue();
        for (int i = 0; i < 3; i++) {
          if (i != survivor) {
            c.stop(i);
          }
        }
        // Check-quorum makes a leader step down, and a follower forgets it, within elections;
        // then the monitor ends the stream that asked for a leader after three more.
        Await.until(EtcdCluster.LIMIT, "strict stream ended", () -> strict.ended != null);
        assertThat(strict.ended.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(strict.ended.getDescription()).isEqualTo("etcdserver: no leader");
        assertThat(plain.ended).isNull(); // without hasleader the stream stays
        try (WatchClient late = new WatchClient(c.channel(survivor), true)) {
          late.create(WatchCreateRequest.newBuilder().setKey(bs("x")));
          Await.until(EtcdCluster.LIMIT, "late stream refused", () -> late.ended != null);
          assertThat(late.ended.getDescription()).isEqualTo("etcdserver: no leader");
        }
        Metadata md = new Metadata();
        md.put(Grpc.HAS_LEADER, "true");
        KVGrpc.KVBlockingStub kv =
            KVGrpc.newBlockingStub(c.channel(survivor))
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
        assertError(
            () -> kv.range(RangeRequest.newBuilder().setKey(bs("x")).build()),
            Status.Code.UNAVAILABLE,
            "etcdserver: no leader");
        // Status needs no leader and says there is none (etcdctl endpoint status prints it).
        io.etcd.jetcd.api.StatusResponse st =
            io.etcd.jetcd.api.MaintenanceGrpc.newBlockingStub(c.channel(survivor))
                .status(io.etcd.jetcd.api.StatusRequest.getDefaultInstance());
        assertThat(st.getLeader()).isZero();
        assertThat(
                st.getUnknownFields()
                    .getField(MaintenanceService.STATUS_ERRORS)
                    .getLengthDelimitedList())
            .extracting(b -> b.toStringUtf8())
            .containsExactly("etcdserver: no leader");
        // Serializable reads need no leader.
        assertThat(
                KVGrpc.newBlockingStub(c.channel(survivor))
                    .range(RangeRequest.newBuilder().setKey(bs("x")).setSerializable(true).build())
                    .getHeader()
                    .getRevision())
            .isPositive();
      }
    }
  }
}
