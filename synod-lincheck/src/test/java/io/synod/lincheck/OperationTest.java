package io.synod.lincheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class OperationTest {
  @Test
  void unknownOperationNeverReturns() {
    Operation<String, String> op = Operation.unknown(3, "put(k, v)", 12);
    assertThat(op.isUnknown()).isTrue();
    assertThat(op.output()).isEmpty();
    assertThat(op.returnTime()).isEqualTo(Long.MAX_VALUE);
    assertThat(op).hasToString("c3 put(k, v) -> ? [12, inf]");
  }

  @Test
  void completedOperationHasItsOutput() {
    Operation<String, String> op = Operation.completed(1, "get(k)", "v", 4, 9);
    assertThat(op.isUnknown()).isFalse();
    assertThat(op.output()).contains("v");
    assertThat(op).hasToString("c1 get(k) -> v [4, 9]");
  }

  @Test
  void returnBeforeCallIsRejected() {
    assertThatThrownBy(() -> Operation.completed(1, "get(k)", "v", 9, 4))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void unknownOutputAndInfiniteReturnGoTogether() {
    assertThatThrownBy(() -> new Operation<>(1, "get(k)", Optional.empty(), 1, 2))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Operation<>(1, "get(k)", Optional.of("v"), 1, Long.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
