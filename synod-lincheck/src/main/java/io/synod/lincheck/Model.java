package io.synod.lincheck;

import java.util.List;
import java.util.Optional;

/**
 * A sequential specification: what one object does when operations reach it one at a time. The
 * {@link LinearizabilityChecker} asks whether a concurrent history could have come from some
 * sequential run of this model.
 *
 * <p>Implementations must be pure and deterministic: no mutable state, same answer for the same
 * arguments. The checker calls them from the thread that called it.
 *
 * @param <S> the model's state; must be immutable, with value-based {@code equals} and {@code
 *     hashCode} (the checker memoizes on it) and a {@code toString} a human can read
 * @param <I> operation inputs
 * @param <O> operation outputs
 */
public interface Model<S, I, O> {
  /** The state before any operation. */
  S initialState();

  /**
   * The state after applying {@code input} with the observed {@code output}, or empty if that
   * output is impossible in {@code state}.
   *
   * <p>{@code output} is empty for an operation whose outcome is unknown: then any outcome is
   * allowed and the input takes effect as the model says (deterministic). Where the outcome is not
   * determined by the state, prefer the outcome that changes the state: the checker already covers
   * "had no effect" by leaving the operation out.
   */
  Optional<S> step(S state, I input, Optional<O> output);

  /**
   * Independent sub-histories (for example one per key) that the checker can check one at a time: a
   * history is linearizable iff each partition is (Herlihy and Wing's locality). Each operation
   * must appear in exactly one partition; the order of partitions must be deterministic. Default:
   * the whole history as one partition.
   */
  default List<List<Operation<I, O>>> partition(List<Operation<I, O>> history) {
    return List.of(history);
  }

  /** A short name for a partition in explanations, such as {@code key "a"}. */
  default String describePartition(List<Operation<I, O>> partition) {
    return "the whole history";
  }

  /** A short readable form of an operation for explanations. */
  default String describe(Operation<I, O> op) {
    return op.toString();
  }
}
