package io.synod.lincheck;

import java.util.List;
import java.util.Objects;

/**
 * Decides whether a concurrent history is linearizable with respect to a sequential {@link Model}:
 * whether there is one total order of its operations that (1) puts every operation that returned
 * before another was called ahead of it, and (2) gives each operation the output it observed when
 * the model runs them in that order (Herlihy and Wing 1990).
 *
 * <h2>Algorithm</h2>
 *
 * The search is Wing and Gong's ("Testing and verifying concurrent objects", JPDC 17, 1993) with
 * Lowe's memoization ("Testing for linearizability", Concurrency and Computation 29(4), 2017), the
 * same scheme as Knossos's and Porcupine's "WGL" checkers:
 *
 * <ol>
 *   <li>The calls and returns are put in one list in time order. At equal times calls come first,
 *       so an operation called exactly when another returns counts as concurrent with it. (Unknown
 *       operations differ; see below.)
 *   <li>From the front of the list, every call up to the first return belongs to an operation that
 *       may be linearized next (nothing pending returned before it was called). The search tries
 *       them in list order: if the model accepts one, it is removed from the list with its return,
 *       pushed on a stack with the state before it, and the search starts again from the front.
 *   <li>Reaching a return means that operation is pending and every later call must follow it, yet
 *       every candidate failed: the search pops the last operation, restores its state and events,
 *       and tries the call after it.
 *   <li>Lowe's improvement: the rest of the search depends only on which operations are linearized
 *       and the model state. Each (set, state) pair entered is remembered; entering one again is
 *       pointless, because the first visit failed (or the search would have stopped). This turns
 *       the factorial search into one bounded by the distinct pairs.
 * </ol>
 *
 * The stack is explicit, so histories of many thousands of operations do not exhaust the thread's
 * stack.
 *
 * <p><b>Unknown outcomes.</b> An {@linkplain Operation#isUnknown() unknown} operation has no return
 * event: nothing forces it into the order, and it may be placed at any point after its call. The
 * search succeeds once every completed operation is linearized, leaving out the unknown ones it did
 * not need (they "never happened"). This is sound and also much faster than placing them all.
 *
 * <p>Each unknown operation still multiplies the configurations, so three measures of ours keep
 * them in check; none changes a verdict, because each skips only configurations from which every
 * way to finish is also open from one the search does explore (docs/design/lincheck.md has the
 * argument):
 *
 * <ul>
 *   <li>Unknown calls are kept in a list of their own and tried after the completed candidates, so
 *       configurations with fewer unknown operations are entered first.
 *   <li>The memo skips a configuration if one with the same completed operations and state, but
 *       only a subset of its unknown operations, was entered before ({@code Memo}).
 *   <li>An operation is not placed right after an unknown one whose effect it erases, since placing
 *       it without the unknown one reaches the same state ({@code PartitionSearch.erasesUnknown}).
 * </ul>
 *
 * Without them, a failing history with a few dozen concurrent unknown writes takes exponentially
 * many steps.
 *
 * <p><b>Partitions.</b> {@link Model#partition} splits the history into independent parts (one per
 * key, say); by locality the history is linearizable iff every part is. Parts are checked one by
 * one in the model's order, until one is not linearizable ({@link Verdict#NOT_LINEARIZABLE}) or the
 * budget runs out ({@link Verdict#UNKNOWN}, even if a later part would have failed); if all pass,
 * {@link Verdict#LINEARIZABLE}.
 *
 * <p><b>Budget.</b> One step is one look at one event of the list. The budget is shared by all
 * partitions; when it runs out the answer is {@link Verdict#UNKNOWN}, never a guess. Memory is
 * bounded by the budget too: each step remembers at most one (set, state) pair.
 *
 * <p>Stateless and thread-safe if the model is; each call is confined to the calling thread and
 * iterates only in deterministic orders, so the same input gives the same result and explanation.
 */
public final class LinearizabilityChecker {
  private LinearizabilityChecker() {}

  /**
   * Checks {@code history} against {@code model}, spending at most {@code stepBudget} search steps.
   *
   * @param history the operations in any order; each is checked exactly once
   * @param stepBudget the most search steps to spend over all partitions; at least zero
   * @throws IllegalArgumentException if the budget is negative or the model's partitions do not
   *     cover the history exactly
   */
  public static <S, I, O> CheckResult check(
      Model<S, I, O> model, List<Operation<I, O>> history, long stepBudget) {
    Objects.requireNonNull(model, "model");
    if (stepBudget < 0) {
      throw new IllegalArgumentException("stepBudget must not be negative: " + stepBudget);
    }
    List<Operation<I, O>> ops = List.copyOf(history);
    List<List<Operation<I, O>>> partitions = List.copyOf(model.partition(ops));
    long partitioned = partitions.stream().mapToLong(List::size).sum();
    if (partitioned != ops.size()) {
      throw new IllegalArgumentException(
          "the model's partitions hold " + partitioned + " operations, the history " + ops.size());
    }
    long steps = 0;
    for (int p = 0; p < partitions.size(); p++) {
      List<Operation<I, O>> part = List.copyOf(partitions.get(p));
      PartitionSearch.Outcome<S, I, O> outcome =
          new PartitionSearch<>(model, part).run(stepBudget - steps);
      steps += outcome.steps();
      switch (outcome.verdict()) {
        case LINEARIZABLE:
          break;
        case NOT_LINEARIZABLE:
          return new CheckResult(
              Verdict.NOT_LINEARIZABLE,
              steps,
              notLinearizable(model, partitions.size(), p, part, outcome));
        case UNKNOWN:
          return new CheckResult(
              Verdict.UNKNOWN,
              steps,
              budgetExhausted(model, stepBudget, partitions.size(), p, part, outcome));
      }
    }
    return new CheckResult(
        Verdict.LINEARIZABLE,
        steps,
        "Linearizable: "
            + ops.size()
            + " operation(s) ("
            + ops.stream().filter(Operation::isUnknown).count()
            + " with unknown outcome) in "
            + partitions.size()
            + " partition(s), "
            + steps
            + " step(s).");
  }

  private static <S, I, O> String notLinearizable(
      Model<S, I, O> model,
      int partitionCount,
      int p,
      List<Operation<I, O>> part,
      PartitionSearch.Outcome<S, I, O> outcome) {
    Counterexample<S, I, O> deepest =
        outcome
            .deepest()
            .orElseThrow(() -> new IllegalStateException("a failed search recorded no dead end"));
    return "Not linearizable: "
        + where(model, partitionCount, p, part)
        + "."
        + others(partitionCount, p)
        + "\n"
        + deepest.render(model);
  }

  private static <S, I, O> String budgetExhausted(
      Model<S, I, O> model,
      long stepBudget,
      int partitionCount,
      int p,
      List<Operation<I, O>> part,
      PartitionSearch.Outcome<S, I, O> outcome) {
    return "Unknown: the budget of "
        + stepBudget
        + " step(s) ran out in "
        + where(model, partitionCount, p, part)
        + ", with "
        + outcome.depthAtStop()
        + " operation(s) linearized."
        + others(partitionCount, p);
  }

  /** What is known of the partitions other than {@code p}, the one the check stopped in. */
  private static String others(int partitionCount, int p) {
    String earlier = p == 0 ? "" : " The " + p + " earlier partition(s) are linearizable.";
    int laterCount = partitionCount - p - 1;
    String later =
        laterCount == 0 ? "" : " The " + laterCount + " later partition(s) were not checked.";
    return earlier + later;
  }

  private static <S, I, O> String where(
      Model<S, I, O> model, int partitionCount, int p, List<Operation<I, O>> part) {
    return "partition "
        + (p + 1)
        + " of "
        + partitionCount
        + " ("
        + model.describePartition(part)
        + ", "
        + part.size()
        + " operation(s))";
  }
}
