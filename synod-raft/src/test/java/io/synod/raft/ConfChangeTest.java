package io.synod.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.common.Bytes;
import io.synod.raft.ConfChange.Change;
import io.synod.raft.ConfChange.ChangeType;
import io.synod.raft.ConfChange.Transition;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfChangeTest {

  private static Bytes hex(String hex) {
    return Bytes.wrapOwned(HexFormat.of().parseHex(hex.replace(" ", "")));
  }

  private static ConfChange joint(Transition transition, Change... changes) {
    return new ConfChange(transition, List.of(changes));
  }

  @Test
  void oneChangeUnderAutoIsSimple() {
    ConfChange cc = ConfChange.of(ChangeType.ADD_VOTER, 4);

    assertThat(cc.entersJoint()).isFalse();
    assertThat(cc.isLeaveJoint()).isFalse();
  }

  @Test
  void severalChangesUnderAutoEnterAJointConfigurationLeftAutomatically() {
    ConfChange cc =
        joint(
            Transition.AUTO,
            new Change(ChangeType.ADD_VOTER, 4),
            new Change(ChangeType.ADD_LEARNER, 5));

    assertThat(cc.entersJoint()).isTrue();
    assertThat(cc.autoLeave()).isTrue();
  }

  @Test
  void explicitTransitionsAlwaysEnterAJointConfiguration() {
    ConfChange implicit = joint(Transition.JOINT_IMPLICIT, new Change(ChangeType.ADD_VOTER, 4));
    ConfChange explicit = joint(Transition.JOINT_EXPLICIT, new Change(ChangeType.ADD_VOTER, 4));

    assertThat(implicit.entersJoint()).isTrue();
    assertThat(implicit.autoLeave()).isTrue();
    assertThat(explicit.entersJoint()).isTrue();
    assertThat(explicit.autoLeave()).isFalse();
  }

  @Test
  void leaveJointIsTheEmptyChange() {
    assertThat(ConfChange.leaveJoint().isLeaveJoint()).isTrue();
    assertThat(ConfChange.leaveJoint().entersJoint()).isFalse();
    assertThat(ConfChange.leaveJoint()).hasToString("leave-joint");
  }

  @Test
  void changesAreCopied() {
    List<Change> changes = new ArrayList<>(List.of(new Change(ChangeType.REMOVE, 2)));
    ConfChange cc = new ConfChange(Transition.AUTO, changes);

    changes.add(new Change(ChangeType.REMOVE, 3));

    assertThat(cc.changes()).hasSize(1);
    assertThatThrownBy(() -> cc.changes().clear())
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void toStringListsEachChange() {
    ConfChange cc =
        joint(
            Transition.JOINT_EXPLICIT,
            new Change(ChangeType.ADD_VOTER, 4),
            new Change(ChangeType.ADD_LEARNER, 5),
            new Change(ChangeType.REMOVE, 6));

    assertThat(cc).hasToString("v4 l5 r6 joint_explicit");
    assertThat(ConfChange.of(ChangeType.ADD_VOTER, 1)).hasToString("v1");
  }

  // ------------------------------------------------------------------ the stored format

  @Test
  void encodingIsVersionTransitionCountThenTypeAndIdPerChange() {
    // Entries live in every replica's log for good: this layout must never change silently.
    ConfChange cc =
        joint(
            Transition.JOINT_EXPLICIT,
            new Change(ChangeType.ADD_VOTER, 4),
            new Change(ChangeType.REMOVE, 0x0102030405060708L));

    assertThat(cc.encode())
        .isEqualTo(hex("01 02 00000002 00 0000000000000004 02 0102030405060708"));
    assertThat(ConfChange.leaveJoint().encode()).isEqualTo(hex("01 00 00000000"));
  }

  @Test
  void decodeReadsWhatEncodeWrote() {
    ConfChange cc =
        joint(
            Transition.JOINT_IMPLICIT,
            new Change(ChangeType.ADD_LEARNER, 7),
            new Change(ChangeType.ADD_VOTER, Long.MAX_VALUE));

    assertThat(ConfChange.decode(cc.encode())).isEqualTo(cc);
  }

  @Test
  void aChangeWithAContextIsVersionTwoWithTheContextLengthPrefixedAtTheEnd() {
    ConfChange cc = ConfChange.of(ChangeType.ADD_LEARNER, 4, hex("aabbcc"));

    assertThat(cc.encode()).isEqualTo(hex("02 00 00000001 01 0000000000000004 00000003 aabbcc"));
    assertThat(ConfChange.decode(cc.encode())).isEqualTo(cc);
    assertThat(cc).hasToString("l4 ctx=3B");
  }

  @Test
  void anEmptyContextKeepsTheOriginalEncoding() {
    assertThat(ConfChange.of(ChangeType.ADD_VOTER, 4, Bytes.EMPTY).encode())
        .isEqualTo(ConfChange.of(ChangeType.ADD_VOTER, 4).encode());
  }

  @Test
  void decodeRejectsBadContextSizes() {
    assertRejected("02 00 00000000 00000000", "context size");
    assertRejected("02 00 00000000 00000004 aabbcc", "context size");
    assertRejected("02 00 00000000 ffffffff", "context size");
    assertRejected("02 00 00000000 00000001 aabb", "trailing");
    assertRejected("02 00 00000000", "truncated");
  }

  @Test
  void contextsLargerThanTheLimitAreRefused() {
    Bytes big = Bytes.wrapOwned(new byte[ConfChange.CONTEXT_BYTES_MAX + 1]);

    assertThatThrownBy(() -> ConfChange.of(ChangeType.ADD_VOTER, 1, big))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void decodeRejectsEmptyAndTruncatedInput() {
    assertRejected("", "truncated");
    assertRejected("01", "truncated");
    assertRejected("01 00 000000", "truncated");
    assertRejected("01 00 00000001 00 00000000000004", "truncated");
  }

  @Test
  void decodeRejectsAnUnknownVersion() {
    assertRejected("03 00 00000000", "version");
    assertRejected("00 00 00000000", "version");
  }

  @Test
  void decodeRejectsUnknownEnumOrdinals() {
    assertRejected("01 03 00000000", "ordinal");
    assertRejected("01 ff 00000000", "ordinal");
    assertRejected("01 00 00000001 03 0000000000000004", "ordinal");
    assertRejected("01 00 00000001 80 0000000000000004", "ordinal");
  }

  @Test
  void decodeRejectsBadCounts() {
    assertRejected("01 00 ffffffff", "count");
    assertRejected("01 00 00000401", "count");
    assertRejected("01 00 7fffffff", "count");
  }

  @Test
  void decodeRejectsNodeIdsThatAreNotPositive() {
    assertRejected("01 00 00000001 00 0000000000000000", "node id");
    assertRejected("01 00 00000001 00 ffffffffffffffff", "node id");
  }

  @Test
  void decodeRejectsTrailingBytes() {
    assertRejected("01 00 00000000 00", "trailing");
  }

  private static void assertRejected(String hexInput, String reason) {
    assertThatThrownBy(() -> ConfChange.decode(hex(hexInput)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(reason);
  }

  @Test
  void bootstrapWritesEachFoundingVoterWithItsContextInIdOrder() {
    MemoryLogStore store = new MemoryLogStore();
    java.util.TreeMap<Long, Bytes> voters = new java.util.TreeMap<>();
    voters.put(9L, hex("09"));
    voters.put(3L, hex("0303"));

    RaftNode.bootstrap(store, voters);

    List<Entry> entries = store.entries(1, 3, Long.MAX_VALUE);
    assertThat(entries)
        .extracting(e -> ConfChange.decode(e.data()))
        .containsExactly(
            ConfChange.of(ChangeType.ADD_VOTER, 3, hex("0303")),
            ConfChange.of(ChangeType.ADD_VOTER, 9, hex("09")));
    assertThat(store.hardState()).isEqualTo(new HardState(1, 0, 2));
  }

  @Test
  void confStateAfterFollowsMembershipDecisions() {
    ConfState three = ConfState.ofVoters(List.of(1L, 2L, 3L));

    assertThat(three.after(ConfChange.of(ChangeType.ADD_LEARNER, 4, hex("01"))))
        .isEqualTo(ConfState.of(List.of(1L, 2L, 3L), List.of(4L)));
    assertThat(three.after(ConfChange.of(ChangeType.ADD_VOTER, 2)))
        .as("re-adding a voter changes nothing")
        .isEqualTo(three);
    assertThatThrownBy(() -> three.after(ConfChange.leaveJoint()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void entryWithMalformedChangeDataStillPrints() {
    Entry e = new Entry(3, 9, EntryType.CONF_CHANGE, hex("01 00 00000001"));

    assertThat(e.toString()).startsWith("3/9 conf ").contains("malformed");
  }
}
