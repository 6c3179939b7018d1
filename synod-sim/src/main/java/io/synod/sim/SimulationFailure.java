package io.synod.sim;

/** A safety or liveness property the simulation found broken. */
final class SimulationFailure extends RuntimeException {
  SimulationFailure(String message) {
    super(message, null, false, false);
  }
}
