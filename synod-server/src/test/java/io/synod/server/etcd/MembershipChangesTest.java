package io.synod.server.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.common.Bytes;
import io.synod.server.cluster.Member;
import io.synod.server.etcd.MembershipChanges.Answer;
import io.synod.server.etcd.MembershipChanges.Request;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The wire form of forwarded membership requests and their answers. */
class MembershipChangesTest {
  @Test
  void requestsRoundTrip() {
    for (Request r :
        List.of(
            new Request.Add(5, List.of("http://a:1", "http://b:2"), true),
            new Request.Remove(Long.MAX_VALUE),
            new Request.Update(3, List.of("http://c:3")),
            new Request.Promote(9))) {
      assertThat(MembershipChanges.decodeRequest(MembershipChanges.encode(r))).isEqualTo(r);
    }
  }

  @Test
  void answersRoundTrip() {
    for (Answer a :
        List.of(
            new Answer.Done(List.of(new Member(1, "a", List.of("http://a:1"), List.of(), true))),
            new Answer.Refused(ClusterError.LEARNER_NOT_READY),
            new Answer.NotLeader(77),
            new Answer.Retry("busy"),
            new Answer.Unknown("lost"))) {
      assertThat(MembershipChanges.decodeAnswer(MembershipChanges.encode(a))).isEqualTo(a);
    }
  }

  @Test
  void malformedInputIsRefused() {
    assertThatThrownBy(() -> MembershipChanges.decodeRequest(Bytes.EMPTY))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MembershipChanges.decodeRequest(Bytes.copyOf(new byte[] {9, 0})))
        .isInstanceOf(IllegalArgumentException.class);
    Bytes refused = MembershipChanges.encode(new Answer.Refused(ClusterError.BAD_URLS));
    assertThatThrownBy(
            () -> MembershipChanges.decodeAnswer(refused.concat(Bytes.copyOf(new byte[] {0}))))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
