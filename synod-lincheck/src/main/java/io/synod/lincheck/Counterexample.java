package io.synod.lincheck;

import java.util.List;
import java.util.Optional;

/**
 * The deepest dead end a search reached in one partition: a linearizable prefix that no pending
 * operation can extend. Immutable; built by {@link PartitionSearch}, rendered for humans here.
 *
 * @param prefixLength how many operations the prefix has in all
 * @param prefixTail the last operations of the prefix (at most {@link
 *     PartitionSearch#PREFIX_SHOWN_MAX}), in linearization order
 * @param statesAfter the model state after each operation of {@code prefixTail}
 * @param stateAtEnd the state after the whole prefix
 * @param candidates the first pending operations that could have come next but did not fit
 * @param candidateCount how many such operations there were in all
 * @param blocking the earliest-returning pending operation: everything called after its return has
 *     to follow it
 */
record Counterexample<S, I, O>(
    int prefixLength,
    List<Operation<I, O>> prefixTail,
    List<S> statesAfter,
    S stateAtEnd,
    List<Operation<I, O>> candidates,
    int candidateCount,
    Operation<I, O> blocking) {

  /** States can be whole maps; an explanation shows only their start. */
  static final int STATE_CHARS_MAX = 120;

  Counterexample {
    prefixTail = List.copyOf(prefixTail);
    statesAfter = List.copyOf(statesAfter);
    candidates = List.copyOf(candidates);
  }

  /** A few dozen lines: the prefix with the state after each step, then what could not follow. */
  String render(Model<S, I, O> model) {
    StringBuilder out = new StringBuilder();
    int elided = prefixLength - prefixTail.size();
    out.append("Longest linearizable prefix found: ").append(prefixLength).append(" operation(s)");
    if (elided > 0) {
      out.append(", the first ").append(elided).append(" not shown");
    }
    out.append(prefixLength == 0 ? ".\n" : ":\n");
    for (int k = 0; k < prefixTail.size(); k++) {
      out.append("  ").append(elided + k + 1).append(". ");
      out.append(model.describe(prefixTail.get(k)));
      out.append("  => state ").append(shorten(statesAfter.get(k))).append('\n');
    }
    out.append("From state ").append(shorten(stateAtEnd));
    out.append(", none of these ")
        .append(candidateCount)
        .append(" pending operation(s) can come next:\n");
    for (Operation<I, O> op : candidates) {
      out.append("  - ").append(model.describe(op)).append("  : ").append(reason(model, op));
      out.append('\n');
    }
    if (candidateCount > candidates.size()) {
      out.append("  - ... and ").append(candidateCount - candidates.size()).append(" more\n");
    }
    out.append("Operations called after ").append(model.describe(blocking));
    out.append(" returned must follow it, so none of them can come next either.\n");
    return out.toString();
  }

  private String reason(Model<S, I, O> model, Operation<I, O> op) {
    Optional<S> next = model.step(stateAtEnd, op.input(), op.output());
    return next.isEmpty()
        ? "the model does not allow this output here"
        : "allowed here, but every way on from there fails (explored or covered elsewhere)";
  }

  private static String shorten(Object state) {
    String text = String.valueOf(state);
    return text.length() <= STATE_CHARS_MAX ? text : text.substring(0, STATE_CHARS_MAX) + "...";
  }
}
