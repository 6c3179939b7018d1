package io.synod.server.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import io.synod.kv.KvCodec;
import io.synod.kv.KvCommand;
import io.synod.kv.KvConfig;
import io.synod.kv.KvError;
import io.synod.kv.KvResponse;
import io.synod.kv.KvStateMachine;
import io.synod.kv.RequestOp;
import io.synod.raft.ConfChange;
import io.synod.raft.ConfState;
import io.synod.raft.Entry;
import io.synod.raft.EntryType;
import io.synod.raft.SnapshotMeta;
import io.synod.server.cluster.Alarm;
import io.synod.server.cluster.ClusterCommand;
import io.synod.server.cluster.MemberContext;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The etcd member's state machine: entries go to the member table or the store, the capped apply
 * under a NOSPACE alarm, and snapshots that carry both.
 */
class EtcdStateMachineTest {
  private final EtcdStateMachine sm = new EtcdStateMachine(new KvStateMachine(KvConfig.defaults()));
  private long index;

  private Bytes apply(Bytes data) {
    return sm.apply(Entry.normal(1, ++index, data));
  }

  private KvResponse apply(KvCommand c) {
    return KvCodec.decodeResponse(apply(KvCodec.encode(c)));
  }

  private static KvCommand.Put put(String k, String v) {
    return new KvCommand.Put(Bytes.utf8(k), Bytes.utf8(v), 0, false, false, false);
  }

  private void found() {
    Bytes ctx = MemberContext.found("a", List.of("http://a:1")).encode();
    ConfChange cc = ConfChange.of(ConfChange.ChangeType.ADD_VOTER, 1, ctx);
    sm.apply(new Entry(1, ++index, EntryType.CONF_CHANGE, cc.encode()));
  }

  @Test
  void membershipChangesAndClusterCommandsGoToTheTableAndAdvanceTheStoresIndex() {
    found();
    apply(ClusterCommand.encode(new ClusterCommand.Publish(1, "a", List.of("http://a:2"))));

    assertThat(sm.table().member(1).orElseThrow().clientUrls()).containsExactly("http://a:2");
    assertThat(sm.kv().appliedIndex()).isEqualTo(index);
    assertThat(sm.kv().revision()).isEqualTo(1);
  }

  @Test
  void underANoSpaceAlarmWritesThatTakeSpaceAreRefusedAndOthersApply() {
    found();
    apply(put("k", "v"));
    apply(
        ClusterCommand.encode(
            new ClusterCommand.AlarmChange(true, new Alarm(1, Alarm.Type.NOSPACE))));

    KvResponse refusedPut = apply(put("k2", "v"));
    KvResponse refusedLease = apply(new KvCommand.LeaseGrant(10, 0));
    KvResponse refusedTxn =
        apply(new KvCommand.Txn(List.of(), List.of(new RequestOp.Put(put("t", "v"))), List.of()));
    KvResponse delete = apply(new KvCommand.DeleteRange(Bytes.utf8("k"), Bytes.EMPTY, false));

    assertThat(List.of(refusedPut, refusedLease, refusedTxn))
        .allMatch(r -> r.equals(new KvResponse.Error(KvError.NO_SPACE)));
    assertThat(delete).isInstanceOf(KvResponse.DeleteRange.class);
    assertThat(sm.kv().revision()).isEqualTo(3);

    apply(
        ClusterCommand.encode(
            new ClusterCommand.AlarmChange(false, new Alarm(1, Alarm.Type.NOSPACE))));

    assertThat(apply(put("k2", "v"))).isInstanceOf(KvResponse.Put.class);
  }

  @Test
  void aSnapshotCarriesTheTableAndTheStore() {
    found();
    apply(put("k", "v"));
    apply(
        ClusterCommand.encode(
            new ClusterCommand.AlarmChange(true, new Alarm(1, Alarm.Type.NOSPACE))));
    Bytes image = sm.snapshot();

    EtcdStateMachine copy = new EtcdStateMachine(new KvStateMachine(KvConfig.defaults()));
    copy.restore(new SnapshotMeta(index, 1, ConfState.ofVoters(List.of(1L))), image);

    assertThat(copy.table().members()).isEqualTo(sm.table().members());
    assertThat(copy.table().alarms()).isEqualTo(sm.table().alarms());
    assertThat(copy.kv().revision()).isEqualTo(sm.kv().revision());
    assertThat(copy.snapshot()).isEqualTo(image);
  }

  @Test
  void theQuotaCostsFollowEtcd() {
    assertThat(SpaceQuota.costBytes(put("ab", "cde"))).isEqualTo(256 + 5);
    assertThat(SpaceQuota.costBytes(new KvCommand.LeaseGrant(5, 0))).isEqualTo(64);
    assertThat(
            SpaceQuota.costBytes(
                new KvCommand.Txn(
                    List.of(),
                    List.of(new RequestOp.Put(put("a", "b"))),
                    List.of(
                        new RequestOp.Put(put("a", "bbbb")),
                        new RequestOp.DeleteRange(
                            new KvCommand.DeleteRange(Bytes.utf8("a"), Bytes.EMPTY, false))))))
        .as("the dearer branch")
        .isEqualTo(256 + 5);
    assertThat(SpaceQuota.costBytes(new KvCommand.DeleteRange(Bytes.utf8("a"), Bytes.EMPTY, false)))
        .isZero();
    assertThat(SpaceQuota.costBytes(new KvCommand.Compact(3, false))).isZero();
  }
}
