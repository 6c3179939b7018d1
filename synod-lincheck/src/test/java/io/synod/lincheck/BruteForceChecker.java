package io.synod.lincheck;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The definition of linearizability, searched naively: try every order of the operations that
 * respects real time, with no memo and no event list, leaving out unknown operations as needed.
 * Exponential, so only for histories of a handful of operations; the reference the real checker is
 * compared against.
 */
final class BruteForceChecker {
  private BruteForceChecker() {}

  static <S, I, O> boolean isLinearizable(Model<S, I, O> model, List<Operation<I, O>> history) {
    return extend(model, model.initialState(), new ArrayList<>(history));
  }

  private static <S, I, O> boolean extend(
      Model<S, I, O> model, S state, List<Operation<I, O>> remaining) {
    if (remaining.stream().allMatch(Operation::isUnknown)) {
      return true;
    }
    for (int i = 0; i < remaining.size(); i++) {
      Operation<I, O> next = remaining.get(i);
      // It may go next only if nothing left returned strictly before it was called.
      boolean minimal = remaining.stream().noneMatch(other -> other.returnTime() < next.callTime());
      Optional<S> after = model.step(state, next.input(), next.output());
      if (minimal && after.isPresent()) {
        List<Operation<I, O>> rest = new ArrayList<>(remaining);
        rest.remove(i);
        if (extend(model, after.get(), rest)) {
          return true;
        }
      }
    }
    return false;
  }
}
