package io.synod.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.common.Bytes;
import io.synod.raft.ConfChange;
import io.synod.raft.ConfChange.ChangeType;
import io.synod.raft.ConfState;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The replicated member table follows Raft's decisions and the contexts, and survives images. */
class ClusterTableTest {
  private static Bytes ctx(MemberContext.Op op, String name, String... urls) {
    return new MemberContext(op, name, List.of(urls)).encode();
  }

  private static ClusterTable founded() {
    ClusterTable t = new ClusterTable();
    t.applyConfChange(
        ConfChange.of(ChangeType.ADD_VOTER, 2, ctx(MemberContext.Op.FOUND, "b", "http://b:2")));
    t.applyConfChange(
        ConfChange.of(ChangeType.ADD_VOTER, 1, ctx(MemberContext.Op.FOUND, "a", "http://a:1")));
    return t;
  }

  @Test
  void foundingMembersAreListedInIdOrderWithTheirNamesAndUrls() {
    ClusterTable t = founded();

    assertThat(t.members())
        .containsExactly(
            new Member(1, "a", List.of("http://a:1"), List.of(), false),
            new Member(2, "b", List.of("http://b:2"), List.of(), false));
    assertThat(t.conf()).isEqualTo(ConfState.ofVoters(List.of(1L, 2L)));
    assertThat(t.peerUrls()).containsOnlyKeys(1L, 2L);
  }

  @Test
  void addedMembersAreUnstartedUntilTheyPublish() {
    ClusterTable t = founded();
    t.applyConfChange(
        ConfChange.of(ChangeType.ADD_LEARNER, 9, ctx(MemberContext.Op.ADD, "", "http://c:3")));

    Member added = t.member(9).orElseThrow();
    assertThat(added.started()).isFalse();
    assertThat(added.learner()).isTrue();

    t.apply(new ClusterCommand.Publish(9, "c", List.of("http://c:30")));

    assertThat(t.member(9).orElseThrow())
        .isEqualTo(new Member(9, "c", List.of("http://c:3"), List.of("http://c:30"), true));
  }

  @Test
  void promotionUpdateAndRemovalChangeRolesUrlsAndTheRemovedSet() {
    ClusterTable t = founded();
    t.applyConfChange(
        ConfChange.of(ChangeType.ADD_LEARNER, 9, ctx(MemberContext.Op.ADD, "", "http://c:3")));
    t.apply(new ClusterCommand.Publish(9, "c", List.of("http://c:30")));

    t.applyConfChange(ConfChange.of(ChangeType.ADD_VOTER, 9, ctx(MemberContext.Op.PROMOTE, "")));
    t.applyConfChange(
        ConfChange.of(ChangeType.ADD_VOTER, 9, ctx(MemberContext.Op.UPDATE, "", "http://c:4")));

    assertThat(t.member(9).orElseThrow())
        .isEqualTo(new Member(9, "c", List.of("http://c:4"), List.of("http://c:30"), false));

    t.applyConfChange(ConfChange.of(ChangeType.REMOVE, 1));

    assertThat(t.members()).extracting(Member::id).containsExactly(2L, 9L);
    assertThat(t.isRemoved(1)).isTrue();
    assertThat(t.peerUrls()).doesNotContainKey(1L);
  }

  @Test
  void anInvalidChangeIsSkippedAsRaftSkipsIt() {
    ClusterTable t = founded();
    long before = t.changeCount();

    boolean applied = t.applyConfChange(ConfChange.leaveJoint());

    assertThat(applied).isFalse();
    assertThat(t.changeCount()).isEqualTo(before);
    assertThat(t.members()).hasSize(2);
  }

  @Test
  void publishingForANonMemberChangesNothing() {
    ClusterTable t = founded();
    Bytes before = t.image();

    t.apply(new ClusterCommand.Publish(77, "x", List.of("http://x:1")));

    assertThat(t.image()).isEqualTo(before);
  }

  @Test
  void alarmsAreAnsweredAsEtcdAnswersThem() {
    ClusterTable t = founded();
    Alarm a = new Alarm(2, Alarm.Type.NOSPACE);

    List<Alarm> raised =
        ClusterCommand.decodeAlarms(t.apply(new ClusterCommand.AlarmChange(true, a)));
    List<Alarm> again =
        ClusterCommand.decodeAlarms(t.apply(new ClusterCommand.AlarmChange(true, a)));
    List<Alarm> none =
        ClusterCommand.decodeAlarms(
            t.apply(new ClusterCommand.AlarmChange(true, new Alarm(2, Alarm.Type.NONE))));

    assertThat(raised).containsExactly(a);
    assertThat(again).as("already raised: still answered").containsExactly(a);
    assertThat(none).isEmpty();
    assertThat(t.hasAlarm(Alarm.Type.NOSPACE)).isTrue();
    assertThat(ClusterCommand.decodeAlarms(t.apply(new ClusterCommand.AlarmChange(false, a))))
        .containsExactly(a);
    assertThat(ClusterCommand.decodeAlarms(t.apply(new ClusterCommand.AlarmChange(false, a))))
        .as("not raised: nothing to answer")
        .isEmpty();
    assertThat(t.alarms()).isEmpty();
    assertThat(a).hasToString("memberID:2 alarm:NOSPACE ");
  }

  @Test
  void anImageRestoresTheSameTable() {
    ClusterTable t = founded();
    t.applyConfChange(
        ConfChange.of(ChangeType.ADD_LEARNER, 9, ctx(MemberContext.Op.ADD, "", "http://c:3")));
    t.apply(new ClusterCommand.Publish(9, "c", List.of("http://c:30")));
    t.applyConfChange(ConfChange.of(ChangeType.REMOVE, 2));
    t.apply(new ClusterCommand.AlarmChange(true, new Alarm(1, Alarm.Type.CORRUPT)));

    ClusterTable copy = new ClusterTable();
    copy.restore(t.conf(), t.image());

    assertThat(copy.members()).isEqualTo(t.members());
    assertThat(copy.removed()).containsExactly(2L);
    assertThat(copy.alarms()).isEqualTo(t.alarms());
    assertThat(copy.image()).isEqualTo(t.image());
  }

  @Test
  void malformedImagesAreRefusedWithoutChangingTheTable() {
    ClusterTable t = founded();
    Bytes image = t.image();

    assertThatThrownBy(() -> t.restore(ConfState.EMPTY, Bytes.copyOf(new byte[] {9})))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> t.restore(ConfState.EMPTY, image.slice(0, image.size() - 1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(t.members()).hasSize(2);
  }

  @Test
  void aMalformedContextIsIgnoredButTheMemberIsStillListed() {
    ClusterTable t = founded();

    t.applyConfChange(ConfChange.of(ChangeType.ADD_LEARNER, 5, Bytes.copyOf(new byte[] {1, 7})));

    assertThat(t.member(5).orElseThrow()).isEqualTo(new Member(5, "", List.of(), List.of(), true));
  }

  @Test
  void encodingsRoundTrip() {
    List<Member> members =
        List.of(
            new Member(1, "a", List.of("http://a:1"), List.of("http://a:9"), false),
            new Member(Long.MAX_VALUE, "", List.of(), List.of(), true));
    ClusterTable.Info info = new ClusterTable.Info(-5, members);

    assertThat(ClusterTable.decodeInfo(ClusterTable.encodeInfo(info))).isEqualTo(info);
    MemberContext c =
        new MemberContext(MemberContext.Op.UPDATE, "n", List.of("http://z:1", "http://a:1"));
    assertThat(MemberContext.decode(c.encode())).isEqualTo(c);
    assertThat(c.peerUrls()).containsExactly("http://a:1", "http://z:1");
    ClusterCommand p = new ClusterCommand.Publish(3, "n", List.of("http://c:1"));
    assertThat(ClusterCommand.decode(ClusterCommand.encode(p))).isEqualTo(p);
    assertThat(ClusterCommand.isClusterCommand(ClusterCommand.encode(p))).isTrue();
    assertThatThrownBy(
            () -> ClusterCommand.decode(ClusterCommand.encode(p).concat(Bytes.utf8("x"))))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
