package io.synod.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import io.synod.raft.ConfState;
import io.synod.raft.Entry;
import io.synod.raft.SnapshotMeta;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KvStateMachineTest {
  private long index;

  private Entry entry(KvCommand c) {
    return Entry.normal(1, ++index, c.encode());
  }

  @Test
  void putAndCompareAndSet() {
    KvStateMachine sm = new KvStateMachine();
    assertThat(sm.apply(entry(KvCommand.put(1, 1, "k", "a")))).isEqualTo(KvStateMachine.OK);
    assertThat(sm.apply(entry(KvCommand.cas(1, 2, "k", Optional.of("b"), "c"))))
        .isEqualTo(KvStateMachine.FAILED);
    assertThat(sm.apply(entry(KvCommand.cas(1, 3, "k", Optional.of("a"), "c"))))
        .isEqualTo(KvStateMachine.OK);
    assertThat(sm.apply(entry(KvCommand.cas(2, 1, "x", Optional.empty(), "y"))))
        .isEqualTo(KvStateMachine.OK);

    assertThat(sm.get("k")).contains("c");
    assertThat(sm.get("x")).contains("y");
    assertThat(sm.get("absent")).isEmpty();
  }

  @Test
  void aRetriedCommandAppliesOnceAndReturnsTheFirstResult() {
    KvStateMachine sm = new KvStateMachine();
    sm.apply(entry(KvCommand.put(1, 1, "k", "a")));
    sm.apply(entry(KvCommand.cas(1, 2, "k", Optional.of("a"), "b")));
    sm.apply(entry(KvCommand.put(2, 1, "k", "z")));

    // Client 1's cas arrives again (a network duplicate): it must not apply again.
    Bytes again = sm.apply(entry(KvCommand.cas(1, 2, "k", Optional.of("a"), "b")));

    assertThat(again).isEqualTo(KvStateMachine.OK);
    assertThat(sm.get("k")).contains("z");
  }

  @Test
  void snapshotRestoresTheSameState() {
    KvStateMachine sm = new KvStateMachine();
    sm.apply(entry(KvCommand.put(1, 1, "k", "a")));
    sm.apply(entry(KvCommand.put(2, 1, "é", "ü")));
    sm.apply(entry(KvCommand.cas(3, 7, "k", Optional.of("a"), "b")));

    KvStateMachine copy = new KvStateMachine();
    copy.restore(new SnapshotMeta(index, 1, ConfState.EMPTY), sm.snapshot());

    assertThat(copy.stateHash()).isEqualTo(sm.stateHash());
    assertThat(copy.get("k")).contains("b");
    assertThat(copy.get("é")).contains("ü");
    // Sessions survive too: the duplicate is recognised after the restore.
    assertThat(copy.apply(entry(KvCommand.cas(3, 7, "k", Optional.of("a"), "zz"))))
        .isEqualTo(KvStateMachine.OK);
    assertThat(copy.get("k")).contains("b");
  }

  @Test
  void emptyAndMembershipEntriesChangeNothing() {
    KvStateMachine sm = new KvStateMachine();
    long before = sm.stateHash();

    sm.apply(Entry.normal(1, ++index, Bytes.EMPTY));

    assertThat(sm.stateHash()).isEqualTo(before);
  }
}
