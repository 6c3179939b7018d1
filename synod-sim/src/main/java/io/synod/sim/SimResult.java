package io.synod.sim;

import java.util.Optional;

/**
 * What one simulated seed found. {@code failure} is empty when every check passed; {@code
 * lincheckUnknown} says the linearizability search ran out of budget (neither pass nor fail).
 */
public record SimResult(
    long seed,
    Optional<String> failure,
    long events,
    long ops,
    long traceHash,
    long virtualMicros,
    long crashes,
    long confChanges,
    long transfers,
    boolean lincheckUnknown,
    String options) {

  public boolean failed() {
    return failure.isPresent();
  }

  SimResult withLincheckUnknown() {
    return new SimResult(
        seed,
        failure,
        events,
        ops,
        traceHash,
        virtualMicros,
        crashes,
        confChanges,
        transfers,
        true,
        options);
  }
}
