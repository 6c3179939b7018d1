package io.synod.server.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.synod.server.SynodVersion;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Maintenance.Status on a three-member cluster (etcd-api.md §6): every member names the same
 * leader, which is the one whose {@code header.member_id} equals it (etcdctl's IS LEADER column);
 * the fields jetcd's stubs lack travel as etcd's field numbers.
 */
class MaintenanceServiceTest {
  @TempDir Path dir;

  private static StatusResponse status(EtcdCluster c, int i) {
    return MaintenanceGrpc.newBlockingStub(c.channel(i)).status(StatusRequest.getDefaultInstance());
  }

  @Test
  void statusNamesTheLeaderAndReportsRaftIndexes() throws Exception {
    try (EtcdCluster c = new EtcdCluster(3, dir)) {
      int leader = c.awaitLeader();
      long leaderId = c.servers[leader].context().memberId();
      int leaders = 0;
      for (int i = 0; i < 3; i++) {
        StatusResponse s = status(c, i);
        assertThat(s.getVersion()).isEqualTo(SynodVersion.ETCD_SERVER);
        assertThat(s.getLeader()).isEqualTo(leaderId);
        assertThat(s.getHeader().getMemberId()).isEqualTo(c.servers[i].context().memberId());
        assertThat(s.getHeader().getClusterId()).isEqualTo(c.servers[i].context().clusterId());
        assertThat(s.getHeader().getRevision()).isEqualTo(1);
        assertThat(s.getRaftTerm()).isPositive();
        assertThat(s.getRaftIndex()).isPositive();
        assertThat(s.getDbSize()).isPositive();
        long applied =
            EtcdSchema.unknownVarint(
                s.getUnknownFields(), MaintenanceService.STATUS_RAFT_APPLIED_INDEX);
        assertThat(applied).isPositive().isLessThanOrEqualTo(s.getRaftIndex());
        assertThat(s.getUnknownFields().hasField(MaintenanceService.STATUS_ERRORS)).isFalse();
        if (s.getLeader() == s.getHeader().getMemberId()) {
          leaders++;
        }
      }
      assertThat(leaders).isEqualTo(1);
    }
  }
}
