package io.synod.server.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import io.synod.kv.LeaseTimeToLive;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeaseForwardsTest {
  @Test
  void keepAliveRoundTrips() {
    assertThat(LeaseForwards.keepAliveId(LeaseForwards.keepAliveRequest(-7))).isEqualTo(-7);
    assertThat(
            LeaseForwards.keepAliveAnswer(
                LeaseForwards.keepAliveReply(new KvReplica.LeaderAnswer.Value<>(60L))))
        .isEqualTo(new KvReplica.LeaderAnswer.Value<>(60L));
    assertThat(
            LeaseForwards.keepAliveAnswer(
                LeaseForwards.keepAliveReply(new KvReplica.LeaderAnswer.NotLeader<>(3))))
        .isEqualTo(new KvReplica.LeaderAnswer.NotLeader<Long>(3));
  }

  @Test
  void timeToLiveRoundTrips() {
    Bytes req = LeaseForwards.timeToLiveRequest(42, true);
    assertThat(LeaseForwards.timeToLiveId(req)).isEqualTo(42);
    assertThat(LeaseForwards.timeToLiveKeys(req)).isTrue();
    LeaseTimeToLive t = new LeaseTimeToLive(42, 9, 10, List.of(Bytes.utf8("a"), Bytes.EMPTY));
    assertThat(
            LeaseForwards.timeToLiveAnswer(
                LeaseForwards.timeToLiveReply(new KvReplica.LeaderAnswer.Value<>(t))))
        .isEqualTo(new KvReplica.LeaderAnswer.Value<>(t));
  }

  @Test
  void malformedRepliesReadAsNotLeader() {
    assertThat(LeaseForwards.keepAliveAnswer(Bytes.utf8("x")))
        .isInstanceOf(KvReplica.LeaderAnswer.NotLeader.class);
    assertThat(LeaseForwards.timeToLiveAnswer(Bytes.wrapOwned(new byte[] {1, 0, 0})))
        .isInstanceOf(KvReplica.LeaderAnswer.NotLeader.class);
  }
}
