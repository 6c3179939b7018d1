package io.synod.lincheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.lincheck.model.KvModel;
import io.synod.lincheck.model.RegisterModel;
import io.synod.lincheck.model.RegisterModel.Input;
import io.synod.lincheck.model.RegisterModel.Output;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LinearizabilityCheckerTest {
  private static final long BUDGET = 1_000_000;

  // ---- a small language for register histories: client, (values), call time, return time ----

  private static Operation<Input, Output> write(int client, String value, long call, long ret) {
    return Operation.completed(client, Input.write(value), Output.ok(), call, ret);
  }

  private static Operation<Input, Output> read(int client, String seen, long call, long ret) {
    return Operation.completed(client, Input.read(), Output.value(Optional.of(seen)), call, ret);
  }

  private static Operation<Input, Output> readAbsent(int client, long call, long ret) {
    return Operation.completed(client, Input.read(), Output.value(Optional.empty()), call, ret);
  }

  private static Operation<Input, Output> cas(
      int client, String expected, String value, boolean ok, long call, long ret) {
    return Operation.completed(
        client, Input.cas(Optional.of(expected), value), Output.casResult(ok), call, ret);
  }

  private static Operation<Input, Output> unknownWrite(int client, String value, long call) {
    return Operation.unknown(client, Input.write(value), call);
  }

  @SafeVarargs
  private static CheckResult check(Operation<Input, Output>... ops) {
    List<Operation<Input, Output>> history = new ArrayList<>();
    for (Operation<Input, Output> op : ops) {
      history.add(op);
    }
    return LinearizabilityChecker.check(RegisterModel.INSTANCE, history, BUDGET);
  }

  // ---- linearizable and not ----

  @Test
  void emptyHistoryIsLinearizableInNoSteps() {
    CheckResult result =
        LinearizabilityChecker.check(RegisterModel.INSTANCE, List.of(), /* stepBudget= */ 0);
    assertThat(result.verdict()).isEqualTo(Verdict.LINEARIZABLE);
    assertThat(result.steps()).isZero();
  }

  @Test
  void sequentialHistoryIsLinearizable() {
    CheckResult result =
        check(
            readAbsent(1, 0, 1),
            write(1, "a", 2, 3),
            read(2, "a", 4, 5),
            cas(2, "a", "b", true, 6, 7),
            cas(1, "a", "c", false, 8, 9),
            read(1, "b", 10, 11));
    assertThat(result.verdict()).isEqualTo(Verdict.LINEARIZABLE);
    assertThat(result.isLinearizable()).isTrue();
  }

  @Test
  void readConcurrentWithWriteMaySeeEitherValue() {
    assertThat(check(write(1, "a", 0, 1), write(1, "b", 2, 10), read(2, "a", 3, 4)).verdict())
        .isEqualTo(Verdict.LINEARIZABLE);
    assertThat(check(write(1, "a", 0, 1), write(1, "b", 2, 10), read(2, "b", 3, 4)).verdict())
        .isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void readsMaySeeTheNewValueAndThenNotTheOld() {
    // Once a read returned b, a later read cannot go back to a.
    assertThat(
            check(write(1, "a", 0, 1), write(1, "b", 2, 20), read(2, "b", 3, 4), read(2, "a", 5, 6))
                .verdict())
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void staleReadAfterCompletedWriteIsNotLinearizable() {
    CheckResult result = check(write(1, "a", 0, 1), write(1, "b", 2, 3), read(2, "a", 4, 5));
    assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(result.explanation())
        .contains("Longest linearizable prefix found: 2 operation(s)")
        .contains("write(b) -> ok")
        .contains("=> state Optional[b]")
        .contains("read() -> a")
        .contains("the model does not allow this output here");
  }

  @Test
  void readOfValueNeverWrittenIsNotLinearizable() {
    CheckResult result = check(write(1, "a", 0, 10), read(2, "ghost", 1, 2));
    assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(result.explanation()).contains("read() -> ghost");
  }

  @Test
  void readsThatSeeConcurrentWritesInDifferentOrdersAreNotLinearizable() {
    // Both writes overlap all four reads, so each read alone could see either value; but client 3
    // sees a before b and client 4 sees b before a, and no single order explains both.
    List<Operation<Input, Output>> writes = List.of(write(1, "a", 0, 100), write(2, "b", 0, 100));
    List<Operation<Input, Output>> agreeing = new ArrayList<>(writes);
    agreeing.addAll(
        List.of(
            read(3, "a", 10, 11),
            read(3, "b", 12, 13),
            read(4, "a", 10, 11),
            read(4, "b", 14, 15)));
    List<Operation<Input, Output>> disagreeing = new ArrayList<>(writes);
    disagreeing.addAll(
        List.of(
            read(3, "a", 10, 11),
            read(3, "b", 12, 13),
            read(4, "b", 10, 11),
            read(4, "a", 14, 15)));

    assertThat(LinearizabilityChecker.check(RegisterModel.INSTANCE, agreeing, BUDGET).verdict())
        .isEqualTo(Verdict.LINEARIZABLE);
    assertThat(LinearizabilityChecker.check(RegisterModel.INSTANCE, disagreeing, BUDGET).verdict())
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void casSucceedsOnlyWhenTheValueMatches() {
    assertThat(check(write(1, "a", 0, 1), cas(2, "b", "c", true, 2, 3)).verdict())
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(check(write(1, "a", 0, 1), cas(2, "a", "c", false, 2, 3)).verdict())
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
    Operation<Input, Output> casFromAbsent =
        Operation.completed(2, Input.cas(Optional.empty(), "c"), Output.casResult(true), 2, 3);
    assertThat(check(casFromAbsent, read(1, "c", 4, 5)).verdict()).isEqualTo(Verdict.LINEARIZABLE);
    assertThat(check(write(1, "a", 0, 1), casFromAbsent).verdict())
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  // ---- unknown outcomes ----

  @Test
  void unknownWriteMayExplainALaterRead() {
    assertThat(check(write(1, "a", 0, 1), unknownWrite(2, "b", 2), read(3, "b", 50, 51)).verdict())
        .isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void unknownWriteTakesEffectOnlyAfterItsCall() {
    assertThat(check(write(1, "a", 0, 1), read(3, "b", 2, 3), unknownWrite(2, "b", 4)).verdict())
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void unknownWritesNeedNotTakeEffect() {
    // Neither unknown write is ever seen: the history is linearizable by leaving both out.
    CheckResult result =
        check(
            write(1, "a", 0, 1),
            unknownWrite(2, "x", 2),
            unknownWrite(3, "y", 3),
            read(4, "a", 10, 11),
            write(4, "b", 12, 13),
            read(1, "b", 14, 15));
    assertThat(result.verdict()).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void unknownWriteTakesEffectAtMostOnce() {
    // x may appear after a, but once b overwrote it nothing can bring x back.
    CheckResult result =
        check(
            write(1, "a", 0, 1),
            unknownWrite(2, "x", 2),
            read(3, "x", 5, 6),
            write(1, "b", 7, 8),
            read(3, "x", 9, 10));
    assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void unknownCasTakesEffectOnlyWhereTheModelAllowsIt() {
    Operation<Input, Output> unknownCas = Operation.unknown(2, Input.cas(Optional.of("a"), "b"), 2);
    assertThat(
            check(write(1, "a", 0, 1), unknownCas, read(3, "a", 3, 4), read(3, "b", 5, 6))
                .verdict())
        .isEqualTo(Verdict.LINEARIZABLE);
    // After a was replaced by c, the cas cannot fire, so b can never be read.
    assertThat(
            check(write(1, "a", 0, 1), unknownCas, write(1, "c", 3, 4), read(3, "b", 5, 6))
                .verdict())
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  /** Thirty concurrent unknown writes, then a completed write of b and the given read. */
  private static List<Operation<Input, Output>> crowdOfUnknownWrites(
      Operation<Input, Output> lastRead) {
    List<Operation<Input, Output>> history = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      history.add(unknownWrite(i, "u" + i, i));
    }
    history.add(write(40, "b", 50, 51));
    history.add(lastRead);
    return history;
  }

  @Test
  void crowdOfUnknownWritesStaysCheap() {
    // Each unknown write may or may not have happened, at any time after its call, in any order:
    // 2^30 subsets. The search must not try them all to see that once b was written the register
    // can never be absent again.
    CheckResult absent =
        LinearizabilityChecker.check(
            RegisterModel.INSTANCE, crowdOfUnknownWrites(readAbsent(41, 60, 61)), BUDGET);
    CheckResult late =
        LinearizabilityChecker.check(
            RegisterModel.INSTANCE, crowdOfUnknownWrites(read(41, "u7", 60, 61)), BUDGET);
    CheckResult fresh =
        LinearizabilityChecker.check(
            RegisterModel.INSTANCE, crowdOfUnknownWrites(read(41, "b", 60, 61)), BUDGET);

    assertThat(absent.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(absent.steps()).isLessThan(10_000);
    assertThat(late.verdict()).isEqualTo(Verdict.LINEARIZABLE);
    assertThat(fresh.verdict()).isEqualTo(Verdict.LINEARIZABLE);
  }

  // ---- times ----

  @Test
  void callAtTheSameTimeAsAReturnCountsAsConcurrent() {
    // The read is called at 5, when the write returns: it may be ordered before the write.
    assertThat(check(write(1, "a", 0, 5), readAbsent(2, 5, 6)).verdict())
        .isEqualTo(Verdict.LINEARIZABLE);
    assertThat(check(write(1, "a", 0, 5), readAbsent(2, 6, 7)).verdict())
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void unknownCallAtTheSameTimeAsAReturnCountsAsConcurrent() {
    assertThat(check(read(1, "b", 0, 5), unknownWrite(2, "b", 5)).verdict())
        .isEqualTo(Verdict.LINEARIZABLE);
    assertThat(check(read(1, "b", 0, 5), unknownWrite(2, "b", 6)).verdict())
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void identicalIntervalsMayBeOrderedEitherWay() {
    assertThat(check(write(1, "a", 3, 3), write(2, "b", 3, 3), read(3, "a", 4, 4)).verdict())
        .isEqualTo(Verdict.LINEARIZABLE);
    assertThat(check(write(1, "a", 3, 3), write(2, "b", 3, 3), read(3, "b", 4, 4)).verdict())
        .isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void historyOrderDoesNotMatter() {
    CheckResult inOrder = check(write(1, "a", 0, 1), write(1, "b", 2, 3), read(2, "a", 4, 5));
    CheckResult shuffled = check(read(2, "a", 4, 5), write(1, "b", 2, 3), write(1, "a", 0, 1));
    assertThat(shuffled.verdict()).isEqualTo(inOrder.verdict());
  }

  // ---- partitions ----

  @Test
  void partitionWithAViolationIsNamedInTheExplanation() {
    List<Operation<KvModel.Input, KvModel.Output>> history =
        List.of(
            kvPut(1, "a", "1", 0, 1),
            kvPut(1, "b", "1", 2, 3),
            kvPut(2, "c", "1", 0, 1),
            kvPut(2, "b", "2", 4, 5),
            kvGet(3, "a", "1", 6, 7),
            kvGet(3, "b", "1", 8, 9), // stale: b was 2 from time 5 on
            kvGet(3, "c", "1", 10, 11));
    CheckResult result = LinearizabilityChecker.check(KvModel.INSTANCE, history, BUDGET);
    assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(result.explanation())
        .contains("partition 2 of 3 (key \"b\", 3 operation(s))")
        .contains("The 1 earlier partition(s) are linearizable. The 1 later partition(s) were not")
        .contains("get(b) -> 1")
        .doesNotContain("get(a)")
        .doesNotContain("put(c");
  }

  @Test
  void partitionsAreCheckedIndependently() {
    // Whole-history checking would also accept this, but each key must be checked on its own ops.
    List<Operation<KvModel.Input, KvModel.Output>> history =
        List.of(kvPut(1, "a", "1", 0, 1), kvPut(2, "b", "1", 0, 1), kvGet(3, "a", "1", 2, 3));
    CheckResult result = LinearizabilityChecker.check(KvModel.INSTANCE, history, BUDGET);
    assertThat(result.verdict()).isEqualTo(Verdict.LINEARIZABLE);
    assertThat(result.explanation()).contains("2 partition(s)");
  }

  @Test
  void partitionsThatLoseOperationsAreRejected() {
    Model<Optional<String>, Input, Output> lossy =
        new Model<>() {
          @Override
          public Optional<String> initialState() {
            return RegisterModel.INSTANCE.initialState();
          }

          @Override
          public Optional<Optional<String>> step(
              Optional<String> state, Input input, Optional<Output> output) {
            return RegisterModel.INSTANCE.step(state, input, output);
          }

          @Override
          public List<List<Operation<Input, Output>>> partition(
              List<Operation<Input, Output>> history) {
            return List.of(history.subList(1, history.size()));
          }
        };
    List<Operation<Input, Output>> history = List.of(write(1, "a", 0, 1), read(2, "b", 2, 3));
    assertThatThrownBy(() -> LinearizabilityChecker.check(lossy, history, BUDGET))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("partitions hold 1 operations, the history 2");
  }

  private static Operation<KvModel.Input, KvModel.Output> kvPut(
      int client, String key, String value, long call, long ret) {
    return Operation.completed(
        client, KvModel.Input.put(key, value), KvModel.Output.ok(), call, ret);
  }

  private static Operation<KvModel.Input, KvModel.Output> kvGet(
      int client, String key, String seen, long call, long ret) {
    return Operation.completed(
        client, KvModel.Input.get(key), KvModel.Output.value(Optional.of(seen)), call, ret);
  }

  // ---- budget, size and determinism ----

  @Test
  void sequentialHistoryTakesOneStepPerOperation() {
    List<Operation<Input, Output>> history = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      history.add(write(1, "v" + i, 2 * i, 2 * i + 1));
    }
    CheckResult enough = LinearizabilityChecker.check(RegisterModel.INSTANCE, history, 10);
    CheckResult short1 = LinearizabilityChecker.check(RegisterModel.INSTANCE, history, 9);
    assertThat(enough.verdict()).isEqualTo(Verdict.LINEARIZABLE);
    assertThat(enough.steps()).isEqualTo(10);
    assertThat(short1.verdict()).isEqualTo(Verdict.UNKNOWN);
    assertThat(short1.steps()).isEqualTo(9);
    assertThat(short1.explanation())
        .contains("budget of 9 step(s) ran out in partition 1 of 1")
        .contains("with 9 operation(s) linearized");
  }

  /** Twelve concurrent writes, then a read of a value none of them wrote. */
  private static List<Operation<Input, Output>> hardHistory() {
    List<Operation<Input, Output>> history = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      history.add(write(i, "v" + i, 0, 100));
    }
    history.add(read(99, "never", 200, 201));
    return history;
  }

  @Test
  void exhaustedBudgetGivesUnknownNeverAGuess() {
    CheckResult result = LinearizabilityChecker.check(RegisterModel.INSTANCE, hardHistory(), 1_000);
    assertThat(result.verdict()).isEqualTo(Verdict.UNKNOWN);
    assertThat(result.steps()).isEqualTo(1_000);
  }

  @Test
  void memoizationKeepsTheHardHistoryTractable() {
    // Without memoization the search would try all 12! orders of the writes; with it, each (set of
    // writes, last value) pair is entered once: at most 12 * 2^11 of them, a few steps each.
    CheckResult result =
        LinearizabilityChecker.check(RegisterModel.INSTANCE, hardHistory(), 10_000_000);
    assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(result.steps()).isLessThan(1_000_000);
  }

  @Test
  void budgetIsSharedByAllPartitions() {
    List<Operation<KvModel.Input, KvModel.Output>> history = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      history.add(kvPut(1, "a", "v" + i, 2 * i, 2 * i + 1));
      history.add(kvPut(1, "b", "v" + i, 2 * i, 2 * i + 1));
    }
    CheckResult enough = LinearizabilityChecker.check(KvModel.INSTANCE, history, 10);
    CheckResult short1 = LinearizabilityChecker.check(KvModel.INSTANCE, history, 7);
    assertThat(enough.verdict()).isEqualTo(Verdict.LINEARIZABLE);
    assertThat(short1.verdict()).isEqualTo(Verdict.UNKNOWN);
    assertThat(short1.steps()).isEqualTo(7);
    assertThat(short1.explanation())
        .contains("partition 2 of 2 (key \"b\"")
        .contains("The 1 earlier partition(s) are linearizable.")
        .doesNotContain("later");
  }

  @Test
  void longHistoriesNeedNoRecursion() {
    // 6,000 operations in one long chain, with a stale read at the very end: the search goes
    // thousands of operations deep and must back all the way out.
    List<Operation<Input, Output>> history = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      history.add(write(1, "v" + i, 4L * i, 4L * i + 1));
      history.add(read(2, "v" + i, 4L * i + 2, 4L * i + 3));
    }
    assertThat(LinearizabilityChecker.check(RegisterModel.INSTANCE, history, BUDGET).verdict())
        .isEqualTo(Verdict.LINEARIZABLE);

    history.add(read(2, "v0", 20_000, 20_001));
    CheckResult result = LinearizabilityChecker.check(RegisterModel.INSTANCE, history, BUDGET);
    assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(result.explanation())
        .contains("Longest linearizable prefix found: 6000 operation(s), the first 5970 not shown")
        .contains("6000. c2 read() -> v2999");
    assertThat(result.explanation().lines().count()).isLessThanOrEqualTo(45);
  }

  @Test
  void explanationListsAtMostTenCandidates() {
    List<Operation<Input, Output>> history = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      history.add(read(i, "ghost" + i, 0, 10));
    }
    CheckResult result = LinearizabilityChecker.check(RegisterModel.INSTANCE, history, BUDGET);
    assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(result.explanation())
        .contains("none of these 15 pending operation(s) can come next")
        .contains("... and 5 more")
        .contains("ghost9")
        .doesNotContain("ghost10 ");
  }

  @Test
  void sameHistoryGivesTheSameResult() {
    assertThat(LinearizabilityChecker.check(RegisterModel.INSTANCE, hardHistory(), 5_000_000))
        .isEqualTo(LinearizabilityChecker.check(RegisterModel.INSTANCE, hardHistory(), 5_000_000));
  }

  @Test
  void negativeBudgetIsRejected() {
    assertThatThrownBy(() -> LinearizabilityChecker.check(RegisterModel.INSTANCE, List.of(), -1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
