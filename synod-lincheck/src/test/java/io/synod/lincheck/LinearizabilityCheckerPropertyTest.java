package io.synod.lincheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.lincheck.model.KvModel;
import io.synod.lincheck.model.RegisterModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.statistics.Statistics;

class LinearizabilityCheckerPropertyTest {
  private static final long BUDGET = 5_000_000;
  private static final List<String> KEYS = List.of("a", "b", "c");

  @Provide
  Arbitrary<List<Integer>> tapes() {
    return Arbitraries.integers()
        .between(0, 1_000)
        .list()
        .ofMinSize(50)
        .ofMaxSize(2_000)
        .withSizeDistribution(RandomDistribution.uniform());
  }

  /** About a quarter as many scheduling decisions as the tape has choices: each takes a few. */
  private static List<Operation<KvModel.Input, KvModel.Output>> kvRun(
      List<Integer> choices, Tape tape) {
    return ConcurrentKvRun.record(tape, 1 + tape.next(4), KEYS, true, choices.size() / 4);
  }

  private static List<Operation<KvModel.Input, KvModel.Output>> registerRun(
      List<Integer> choices, Tape tape) {
    return ConcurrentKvRun.record(tape, 1 + tape.next(4), List.of("r"), false, choices.size() / 4);
  }

  // ---- (a) histories of a real atomic object are linearizable ----

  @Property(tries = 300)
  void historiesOfAnAtomicMapAreLinearizable(@ForAll("tapes") List<Integer> choices) {
    List<Operation<KvModel.Input, KvModel.Output>> history = kvRun(choices, new Tape(choices));
    collectShape(history);

    CheckResult result = LinearizabilityChecker.check(KvModel.INSTANCE, history, BUDGET);

    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Property(tries = 200)
  void historiesOfAnAtomicRegisterAreLinearizable(@ForAll("tapes") List<Integer> choices) {
    List<Operation<RegisterModel.Input, RegisterModel.Output>> history =
        toRegister(registerRun(choices, new Tape(choices)));

    CheckResult result = LinearizabilityChecker.check(RegisterModel.INSTANCE, history, BUDGET);

    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.LINEARIZABLE);
  }

  // ---- (b) the same histories with one impossible read are not ----

  @Property(tries = 300)
  void mapHistoryWithAnImpossibleReadIsNotLinearizable(@ForAll("tapes") List<Integer> choices) {
    Tape tape = new Tape(choices);
    Optional<StaleRead> broken = StaleRead.inject(kvRun(choices, tape), tape);
    Assume.that(broken.isPresent());
    collectMutation(broken.get());

    CheckResult result =
        LinearizabilityChecker.check(KvModel.INSTANCE, broken.get().history(), BUDGET);

    assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Property(tries = 200)
  void registerHistoryWithAnImpossibleReadIsNotLinearizable(
      @ForAll("tapes") List<Integer> choices) {
    Tape tape = new Tape(choices);
    Optional<StaleRead> broken = StaleRead.inject(registerRun(choices, tape), tape);
    Assume.that(broken.isPresent());
    collectMutation(broken.get());

    CheckResult result =
        LinearizabilityChecker.check(
            RegisterModel.INSTANCE, toRegister(broken.get().history()), BUDGET);

    assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  // ---- (c) on tiny random histories the checker agrees with the definition ----

  @Property(tries = 500)
  void checkerAgreesWithBruteForceOnTinyHistories(@ForAll("tapes") List<Integer> choices) {
    List<Operation<RegisterModel.Input, RegisterModel.Output>> history =
        randomRegisterHistory(new Tape(choices));

    boolean expected = BruteForceChecker.isLinearizable(RegisterModel.INSTANCE, history);
    CheckResult result = LinearizabilityChecker.check(RegisterModel.INSTANCE, history, BUDGET);

    Statistics.label("verdict").collect(result.verdict());
    Statistics.label("verdict")
        .coverage(
            c -> {
              c.check(Verdict.LINEARIZABLE).percentage(p -> p >= 20);
              c.check(Verdict.NOT_LINEARIZABLE).percentage(p -> p >= 20);
            });
    assertThat(result.verdict())
        .as("%s", history)
        .isEqualTo(expected ? Verdict.LINEARIZABLE : Verdict.NOT_LINEARIZABLE);
  }

  /**
   * Up to seven register operations with random times and random outputs (some unknown), over two
   * values, so that about half of them are linearizable.
   */
  private static List<Operation<RegisterModel.Input, RegisterModel.Output>> randomRegisterHistory(
      Tape tape) {
    List<Optional<String>> values = List.of(Optional.empty(), Optional.of("x"), Optional.of("y"));
    List<Operation<RegisterModel.Input, RegisterModel.Output>> history = new ArrayList<>();
    int count = 1 + tape.next(7);
    for (int i = 0; i < count; i++) {
      long call = tape.next(12);
      long ret = call + tape.next(6);
      String value = tape.next(2) == 0 ? "x" : "y";
      RegisterModel.Input input;
      RegisterModel.Output output;
      switch (tape.next(3)) {
        case 0 -> {
          input = RegisterModel.Input.read();
          output = RegisterModel.Output.value(values.get(tape.next(3)));
        }
        case 1 -> {
          input = RegisterModel.Input.write(value);
          output = RegisterModel.Output.ok();
        }
        default -> {
          input = RegisterModel.Input.cas(values.get(tape.next(3)), value);
          output = RegisterModel.Output.casResult(tape.next(2) == 0);
        }
      }
      history.add(
          tape.oneIn(3)
              ? Operation.unknown(i, input, call)
              : Operation.completed(i, input, output, call, ret));
    }
    return history;
  }

  // ---- helpers ----

  /** The same history on a register: every operation names the one key, and none deletes. */
  private static List<Operation<RegisterModel.Input, RegisterModel.Output>> toRegister(
      List<Operation<KvModel.Input, KvModel.Output>> history) {
    List<Operation<RegisterModel.Input, RegisterModel.Output>> out = new ArrayList<>();
    for (Operation<KvModel.Input, KvModel.Output> op : history) {
      out.add(
          new Operation<>(
              op.clientId(),
              toRegister(op.input()),
              op.output().map(LinearizabilityCheckerPropertyTest::toRegister),
              op.callTime(),
              op.returnTime()));
    }
    return out;
  }

  private static RegisterModel.Input toRegister(KvModel.Input input) {
    if (input instanceof KvModel.Get) {
      return RegisterModel.Input.read();
    }
    if (input instanceof KvModel.Put put) {
      return RegisterModel.Input.write(put.value());
    }
    if (input instanceof KvModel.Cas cas) {
      return RegisterModel.Input.cas(cas.expected(), cas.value());
    }
    throw new IllegalArgumentException("a register has no " + input);
  }

  private static RegisterModel.Output toRegister(KvModel.Output output) {
    if (output instanceof KvModel.Value value) {
      return RegisterModel.Output.value(value.value());
    }
    if (output instanceof KvModel.Ok) {
      return RegisterModel.Output.ok();
    }
    if (output instanceof KvModel.CasResult cas) {
      return RegisterModel.Output.casResult(cas.succeeded());
    }
    throw new IllegalArgumentException("a register never answers " + output);
  }

  /** Makes sure the generator keeps producing long, concurrent histories with unknown outcomes. */
  private static void collectShape(List<Operation<KvModel.Input, KvModel.Output>> history) {
    long unknown = history.stream().filter(Operation::isUnknown).count();
    Statistics.label("unknown ops").collect(unknown < 4 ? "<4" : ">=4");
    Statistics.label("size").collect(history.size() < 60 ? "<60" : ">=60");
    Statistics.label("overlapping completed ops").collect(hasOverlap(history));
    Statistics.label("unknown ops").coverage(c -> c.check(">=4").percentage(p -> p >= 30));
    Statistics.label("size").coverage(c -> c.check(">=60").percentage(p -> p >= 15));
    Statistics.label("overlapping completed ops")
        .coverage(c -> c.check(true).percentage(p -> p >= 50));
  }

  private static boolean hasOverlap(List<Operation<KvModel.Input, KvModel.Output>> history) {
    for (Operation<KvModel.Input, KvModel.Output> a : history) {
      for (Operation<KvModel.Input, KvModel.Output> b : history) {
        if (a != b
            && !a.isUnknown()
            && !b.isUnknown()
            && a.callTime() <= b.callTime()
            && b.callTime() <= a.returnTime()) {
          return true;
        }
      }
    }
    return false;
  }

  /** Makes sure most mutations are the subtle kinds, not reads of values nobody wrote. */
  private static void collectMutation(StaleRead broken) {
    Statistics.label("mutation").collect(broken.kind());
    Statistics.label("mutation")
        .coverage(
            c -> {
              c.check("future").percentage(p -> p >= 20);
              c.check("overwritten").percentage(p -> p >= 20);
            });
  }
}
