package io.synod.lincheck;

/** The answer of {@link LinearizabilityChecker#check}. */
public enum Verdict {
  /** Some total order of the operations respects real time and the model. */
  LINEARIZABLE,
  /** No such order exists: the history shows a consistency bug (or the model is wrong). */
  NOT_LINEARIZABLE,
  /** The step budget ran out before the search could decide; says nothing about correctness. */
  UNKNOWN
}
