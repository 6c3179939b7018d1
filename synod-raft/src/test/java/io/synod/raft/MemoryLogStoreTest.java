package io.synod.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryLogStoreTest extends LogStoreContractTest {

  @Override
  protected LogStore newStore() {
    return new MemoryLogStore();
  }

  @Override
  protected LogStore reopen(LogStore synced) {
    return ((MemoryLogStore) synced).copy();
  }

  @Test
  void bootstrappedStoreCarriesTheInitialMembershipAndNoSnapshot() {
    ConfState voters = ConfState.ofVoters(List.of(1L, 2L));

    MemoryLogStore store = MemoryLogStore.bootstrapped(voters);

    assertThat(store.snapshotMeta().confState()).isEqualTo(voters);
    assertThat(store.snapshot().isEmpty()).isTrue();
    assertThat(store.firstIndex()).isEqualTo(1);
    assertThat(store.lastIndex()).isZero();
  }

  @Test
  void copyIsIndependentOfTheOriginal() {
    MemoryLogStore store = new MemoryLogStore();
    store.append(entries(1, 1, 1));
    MemoryLogStore copy = store.copy();

    store.append(entries(2, 2, 2));
    store.setHardState(new HardState(2, 0, 0));
    store.saveSnapshot(2, ConfState.EMPTY, Bytes.EMPTY);

    assertThat(copy.lastIndex()).isEqualTo(2);
    assertThat(copy.term(2)).isEqualTo(1);
    assertThat(copy.hardState()).isEqualTo(HardState.EMPTY);
    assertThat(copy.snapshot().isEmpty()).isTrue();
  }
}
