package io.synod.bench;

import io.synod.lincheck.CheckResult;
import io.synod.lincheck.LinearizabilityChecker;
import io.synod.lincheck.Operation;
import io.synod.lincheck.Verdict;
import io.synod.lincheck.model.RegisterModel;
import io.synod.lincheck.model.RegisterModel.Cas;
import io.synod.lincheck.model.RegisterModel.Input;
import io.synod.lincheck.model.RegisterModel.Output;
import io.synod.lincheck.model.RegisterModel.Read;
import io.synod.lincheck.model.RegisterModel.Write;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time for {@link LinearizabilityChecker#check} to accept a linearizable history of one register
 * ({@link RegisterModel}: read, write, compare-and-set), {@code clients} clients doing {@code
 * opsPerClient} operations each, all completed. The history is generated in setup from a fixed seed
 * by running the clients against an atomic register with random interleaving: every step picks a
 * client at random, which calls, takes effect (its linearization point) or returns, so operations
 * of different clients overlap and the history is linearizable by construction (a quarter of the
 * steps leave the clock alone, so there are ties). Reads 40 %, writes 40 % (unique values), CAS 20
 * % (half of them expecting the current value). Setup and teardown check that the verdict is
 * LINEARIZABLE. Run with {@code bin/synod-bench jmh LincheckBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LincheckBench {
  private static final long STEP_BUDGET = 100_000_000L;

  @Param({"4"})
  public int clients;

  @Param({"250", "2500"})
  public int opsPerClient;

  private List<Operation<Input, Output>> history;
  private CheckResult last;

  @Setup
  public void setUp() {
    history = generate(new SplittableRandom(7), clients, opsPerClient);
    check(history.size() == clients * opsPerClient, "generated " + history.size() + " ops");
    CheckResult r = check();
    check(r.verdict() == Verdict.LINEARIZABLE, "the generated history is not accepted: " + r);
    last = null;
  }

  @TearDown
  public void tearDown() {
    check(last != null && last.verdict() == Verdict.LINEARIZABLE, "last verdict: " + last);
  }

  @Benchmark
  public CheckResult check() {
    last = LinearizabilityChecker.check(RegisterModel.INSTANCE, history, STEP_BUDGET);
    return last;
  }

  /** A client's operation in flight. */
  private static final class Pending {
    Input input;
    Output output; // set once it took effect
    long callTime;
  }

  static List<Operation<Input, Output>> generate(
      SplittableRandom random, int clients, int opsPerClient) {
    List<Operation<Input, Output>> history = new ArrayList<>();
    Optional<String> register = Optional.empty();
    Optional<String> previous = Optional.empty();
    Pending[] inFlight = new Pending[clients];
    int[] done = new int[clients];
    int finished = 0;
    int written = 0;
    long now = 0;
    while (finished < clients) {
      if (random.nextInt(4) != 0) {
        now++;
      }
      int c = random.nextInt(clients);
      if (done[c] == opsPerClient) {
        continue;
      }
      Pending p = inFlight[c];
      if (p == null) {
        p = new Pending();
        p.callTime = now;
        int kind = random.nextInt(10);
        if (kind < 4) {
          p.input = Input.read();
        } else if (kind < 8) {
          p.input = Input.write("v" + written++);
        } else {
          Optional<String> expected = random.nextBoolean() ? register : previous;
          p.input = Input.cas(expected, "v" + written++);
        }
        inFlight[c] = p;
      } else if (p.output == null) {
        if (p.input instanceof Read) {
          p.output = new RegisterModel.Value(register);
        } else if (p.input instanceof Write w) {
          previous = register;
          register = Optional.of(w.value());
          p.output = new RegisterModel.Ok();
        } else {
          Cas cas = (Cas) p.input;
          boolean matches = cas.expected().equals(register);
          if (matches) {
            previous = register;
            register = Optional.of(cas.value());
          }
          p.output = new RegisterModel.CasResult(matches);
        }
      } else {
        history.add(Operation.completed(c, p.input, p.output, p.callTime, now));
        inFlight[c] = null;
        if (++done[c] == opsPerClient) {
          finished++;
        }
      }
    }
    return history;
  }

  private static void check(boolean condition, String message) {
    if (!condition) {
      throw new IllegalStateException(message);
    }
  }
}
