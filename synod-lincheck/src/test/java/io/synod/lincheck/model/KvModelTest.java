package io.synod.lincheck.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.lincheck.Operation;
import io.synod.lincheck.model.KvModel.Input;
import io.synod.lincheck.model.KvModel.Output;
import io.synod.lincheck.model.KvModel.State;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class KvModelTest {
  private static final KvModel MODEL = KvModel.INSTANCE;
  private static final Optional<String> ABSENT = Optional.empty();

  private static State state(String... keyValues) {
    TreeMap<String, String> entries = new TreeMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      entries.put(keyValues[i], keyValues[i + 1]);
    }
    return new State(entries);
  }

  private static Optional<State> step(State state, Input in, Output out) {
    return MODEL.step(state, in, Optional.of(out));
  }

  @Test
  void mapStartsEmpty() {
    assertThat(MODEL.initialState()).isEqualTo(state()).isEqualTo(State.empty());
  }

  @Test
  void getMustSeeTheKeysCurrentValue() {
    State s = state("a", "1");
    assertThat(step(s, Input.get("a"), Output.value(Optional.of("1")))).contains(s);
    assertThat(step(s, Input.get("a"), Output.value(ABSENT))).isEmpty();
    assertThat(step(s, Input.get("b"), Output.value(ABSENT))).contains(s);
    assertThat(step(s, Input.get("b"), Output.value(Optional.of("1")))).isEmpty();
  }

  @Test
  void putSetsOnlyItsKey() {
    assertThat(step(state("a", "1"), Input.put("b", "2"), Output.ok()))
        .contains(state("a", "1", "b", "2"));
    assertThat(step(state("a", "1"), Input.put("a", "2"), Output.ok())).contains(state("a", "2"));
  }

  @Test
  void casComparesTheKeysValue() {
    State s = state("a", "1");
    assertThat(step(s, Input.cas("a", Optional.of("1"), "2"), Output.casResult(true)))
        .contains(state("a", "2"));
    assertThat(step(s, Input.cas("a", Optional.of("1"), "2"), Output.casResult(false))).isEmpty();
    assertThat(step(s, Input.cas("a", ABSENT, "2"), Output.casResult(false))).contains(s);
    assertThat(step(s, Input.cas("b", ABSENT, "2"), Output.casResult(true)))
        .contains(state("a", "1", "b", "2"));
    assertThat(step(s, Input.cas("b", Optional.of("1"), "2"), Output.casResult(true))).isEmpty();
  }

  @Test
  void deleteReportsWhetherTheKeyExisted() {
    State s = state("a", "1");
    assertThat(step(s, Input.delete("a"), Output.deleted(true))).contains(state());
    assertThat(step(s, Input.delete("a"), Output.deleted(false))).isEmpty();
    assertThat(step(s, Input.delete("b"), Output.deleted(false))).contains(s);
    assertThat(step(s, Input.delete("b"), Output.deleted(true))).isEmpty();
  }

  @Test
  void unknownOperationsTakeEffectAsTheModelSays() {
    State s = state("a", "1");
    assertThat(MODEL.step(s, Input.get("a"), Optional.empty())).contains(s);
    assertThat(MODEL.step(s, Input.put("a", "2"), Optional.empty())).contains(state("a", "2"));
    assertThat(MODEL.step(s, Input.cas("a", Optional.of("1"), "2"), Optional.empty()))
        .contains(state("a", "2"));
    assertThat(MODEL.step(s, Input.cas("a", ABSENT, "2"), Optional.empty())).contains(s);
    assertThat(MODEL.step(s, Input.delete("a"), Optional.empty())).contains(state());
  }

  @Test
  void statesAreValuesThatCannotBeChangedFromOutside() {
    TreeMap<String, String> entries = new TreeMap<>();
    entries.put("a", "1");
    State s = new State(entries);
    entries.put("b", "2");
    assertThat(s.get("b")).isEmpty();
    assertThatThrownBy(() -> s.entries().put("c", "3"))
        .isInstanceOf(UnsupportedOperationException.class);

    State viaPut = s.with("b", Optional.of("2"));
    State viaCtor = state("b", "2", "a", "1");
    assertThat(viaPut).isEqualTo(viaCtor).hasSameHashCodeAs(viaCtor).hasToString("{a=1, b=2}");
    assertThat(s).isEqualTo(state("a", "1"));
  }

  @Test
  void historyIsPartitionedByKeyInKeyOrder() {
    Operation<Input, Output> b1 = Operation.completed(1, Input.put("b", "1"), Output.ok(), 0, 1);
    Operation<Input, Output> a1 = Operation.completed(2, Input.put("a", "1"), Output.ok(), 2, 3);
    Operation<Input, Output> b2 = Operation.unknown(3, Input.delete("b"), 4);
    Operation<Input, Output> a2 =
        Operation.completed(1, Input.get("a"), Output.value(Optional.of("1")), 5, 6);

    List<List<Operation<Input, Output>>> parts = MODEL.partition(List.of(b1, a1, b2, a2));

    assertThat(parts).containsExactly(List.of(a1, a2), List.of(b1, b2));
    assertThat(MODEL.describePartition(parts.get(1))).isEqualTo("key \"b\"");
  }

  @Test
  void outputOfTheWrongKindIsACallerBug() {
    assertThatThrownBy(() -> step(state(), Input.delete("a"), Output.casResult(true)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("delete(a) cannot be answered with true");
    assertThatThrownBy(() -> step(state(), Input.get("a"), Output.deleted(true)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void factoriesBuildTheRecords() {
    assertThat(Input.get("k")).isEqualTo(new KvModel.Get("k")).hasToString("get(k)");
    assertThat(Input.put("k", "v")).isEqualTo(new KvModel.Put("k", "v")).hasToString("put(k, v)");
    assertThat(Input.cas("k", Optional.of("a"), "b"))
        .isEqualTo(new KvModel.Cas("k", Optional.of("a"), "b"))
        .hasToString("cas(k, a, b)");
    assertThat(Input.delete("k")).isEqualTo(new KvModel.Delete("k")).hasToString("delete(k)");
    assertThat(Output.value(ABSENT)).isEqualTo(new KvModel.Value(ABSENT)).hasToString("<absent>");
    assertThat(Output.ok()).isEqualTo(new KvModel.Ok());
    assertThat(Output.casResult(true)).isEqualTo(new KvModel.CasResult(true));
    assertThat(Output.deleted(false))
        .isEqualTo(new KvModel.Deleted(false))
        .hasToString("not found");
  }
}
