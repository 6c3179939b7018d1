package io.synod.lincheck;

import java.util.Objects;

/**
 * The outcome of one {@link LinearizabilityChecker#check} call. Immutable.
 *
 * @param verdict whether the history is linearizable, is not, or the budget ran out first
 * @param steps search steps spent over all partitions; never more than the budget
 * @param explanation for a human: on {@link Verdict#NOT_LINEARIZABLE} the failing partition, the
 *     longest linearizable prefix found and the operations that could not come next; on {@link
 *     Verdict#UNKNOWN} where the budget ran out. Bounded in size.
 */
public record CheckResult(Verdict verdict, long steps, String explanation) {
  public CheckResult {
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(explanation, "explanation");
    if (steps < 0) {
      throw new IllegalArgumentException("steps must not be negative: " + steps);
    }
  }

  /** True iff the verdict is {@link Verdict#LINEARIZABLE}. */
  public boolean isLinearizable() {
    return verdict == Verdict.LINEARIZABLE;
  }
}
