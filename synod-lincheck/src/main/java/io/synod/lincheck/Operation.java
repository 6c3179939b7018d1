package io.synod.lincheck;

import java.util.Objects;
import java.util.Optional;

/**
 * One client operation as a history records it: what was asked, what came back, and when. Immutable
 * if {@code I} and {@code O} are.
 *
 * <p>Times are on any clock that all clients share (the simulator's logical clock). The interval is
 * closed: an operation called at the very time another returns counts as concurrent with it.
 *
 * <p>An operation whose outcome is unknown (the client timed out, or the server answered "maybe
 * applied") has an empty {@code output} and {@code returnTime == Long.MAX_VALUE}: it may have taken
 * effect at any point after its call, or never. The two always go together.
 *
 * @param clientId who issued it; only used to explain verdicts
 * @param input the request, as the {@link Model} understands it
 * @param output the observed answer, or empty if the outcome is unknown
 * @param callTime when the request was sent
 * @param returnTime when the answer arrived, or {@code Long.MAX_VALUE} if it never did
 */
public record Operation<I, O>(
    int clientId, I input, Optional<O> output, long callTime, long returnTime) {

  public Operation {
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(output, "output");
    if (callTime > returnTime) {
      throw new IllegalArgumentException(
          "operation returns before it is called: call " + callTime + ", return " + returnTime);
    }
    if (output.isEmpty() != (returnTime == Long.MAX_VALUE)) {
      throw new IllegalArgumentException(
          "an operation has an unknown output exactly when its return time is Long.MAX_VALUE;"
              + " use Operation.completed or Operation.unknown");
    }
  }

  /** An operation that returned {@code output} at {@code returnTime}. */
  public static <I, O> Operation<I, O> completed(
      int clientId, I input, O output, long callTime, long returnTime) {
    Objects.requireNonNull(output, "output");
    return new Operation<>(clientId, input, Optional.of(output), callTime, returnTime);
  }

  /**
   * An operation that may or may not have taken effect, at any point after {@code callTime}: it is
   * given {@code returnTime = Long.MAX_VALUE}.
   */
  public static <I, O> Operation<I, O> unknown(int clientId, I input, long callTime) {
    if (callTime == Long.MAX_VALUE) {
      throw new IllegalArgumentException("callTime must be before Long.MAX_VALUE");
    }
    return new Operation<>(clientId, input, Optional.empty(), callTime, Long.MAX_VALUE);
  }

  /** True iff the outcome is unknown: the operation may or may not have taken effect. */
  public boolean isUnknown() {
    return output.isEmpty();
  }

  /** For example {@code c3 put(k, v1) -> ok [10, 14]} or {@code c2 get(k) -> ? [12, inf]}. */
  @Override
  public String toString() {
    String shown = output.map(String::valueOf).orElse("?");
    String returned = returnTime == Long.MAX_VALUE ? "inf" : Long.toString(returnTime);
    return "c" + clientId + " " + input + " -> " + shown + " [" + callTime + ", " + returned + "]";
  }
}
