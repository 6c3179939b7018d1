package io.synod.lincheck.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.lincheck.model.RegisterModel.Input;
import io.synod.lincheck.model.RegisterModel.Output;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RegisterModelTest {
  private static final RegisterModel MODEL = RegisterModel.INSTANCE;
  private static final Optional<String> ABSENT = Optional.empty();
  private static final Optional<String> A = Optional.of("a");

  private static Optional<Optional<String>> step(Optional<String> state, Input in, Output out) {
    return MODEL.step(state, in, Optional.of(out));
  }

  private static Optional<Optional<String>> stepUnknown(Optional<String> state, Input in) {
    return MODEL.step(state, in, Optional.empty());
  }

  @Test
  void registerStartsAbsent() {
    assertThat(MODEL.initialState()).isEmpty();
  }

  @Test
  void readMustSeeTheCurrentValue() {
    assertThat(step(A, Input.read(), Output.value(A))).contains(A);
    assertThat(step(ABSENT, Input.read(), Output.value(ABSENT))).contains(ABSENT);
    assertThat(step(A, Input.read(), Output.value(ABSENT))).isEmpty();
    assertThat(step(ABSENT, Input.read(), Output.value(A))).isEmpty();
    assertThat(step(A, Input.read(), Output.value(Optional.of("b")))).isEmpty();
  }

  @Test
  void writeAlwaysSucceedsAndReplacesTheValue() {
    assertThat(step(ABSENT, Input.write("a"), Output.ok())).contains(A);
    assertThat(step(Optional.of("b"), Input.write("a"), Output.ok())).contains(A);
  }

  @Test
  void casWritesExactlyWhenTheExpectedValueMatches() {
    assertThat(step(A, Input.cas(A, "b"), Output.casResult(true))).contains(Optional.of("b"));
    assertThat(step(A, Input.cas(A, "b"), Output.casResult(false))).isEmpty();
    assertThat(step(A, Input.cas(Optional.of("x"), "b"), Output.casResult(false))).contains(A);
    assertThat(step(A, Input.cas(Optional.of("x"), "b"), Output.casResult(true))).isEmpty();
  }

  @Test
  void casExpectingAbsentMatchesOnlyAnAbsentRegister() {
    assertThat(step(ABSENT, Input.cas(ABSENT, "b"), Output.casResult(true)))
        .contains(Optional.of("b"));
    assertThat(step(A, Input.cas(ABSENT, "b"), Output.casResult(true))).isEmpty();
    assertThat(step(A, Input.cas(ABSENT, "b"), Output.casResult(false))).contains(A);
  }

  @Test
  void unknownOperationsTakeEffectAsTheModelSays() {
    assertThat(stepUnknown(A, Input.read())).contains(A);
    assertThat(stepUnknown(A, Input.write("b"))).contains(Optional.of("b"));
    assertThat(stepUnknown(A, Input.cas(A, "b"))).contains(Optional.of("b"));
    assertThat(stepUnknown(A, Input.cas(ABSENT, "b"))).contains(A);
  }

  @Test
  void outputOfTheWrongKindIsACallerBug() {
    assertThatThrownBy(() -> step(A, Input.read(), Output.ok()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("read() cannot be answered with ok");
    assertThatThrownBy(() -> step(A, Input.write("b"), Output.casResult(true)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> step(A, Input.cas(A, "b"), Output.value(A)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void inputsAndOutputsPrintCompactly() {
    assertThat(Input.read()).hasToString("read()");
    assertThat(Input.write("a")).hasToString("write(a)");
    assertThat(Input.cas(ABSENT, "a")).hasToString("cas(<absent>, a)");
    assertThat(Output.value(A)).hasToString("a");
    assertThat(Output.ok()).hasToString("ok");
    assertThat(Output.casResult(false)).hasToString("false");
  }
}
