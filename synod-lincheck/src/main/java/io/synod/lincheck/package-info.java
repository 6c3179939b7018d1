/**
 * A linearizability checker: given a sequential {@link io.synod.lincheck.Model} and a history of
 * client {@link io.synod.lincheck.Operation}s with call and return times, {@link
 * io.synod.lincheck.LinearizabilityChecker} searches for a legal total order (Wing and Gong's
 * search with Lowe's memoization). Operations whose outcome is unknown may or may not have taken
 * effect. Everything here is deterministic and depends on the JDK only: the same history gives the
 * same verdict, step count and explanation, and a verdict is never a guess (a run out of budget
 * says {@link io.synod.lincheck.Verdict#UNKNOWN}).
 */
package io.synod.lincheck;
