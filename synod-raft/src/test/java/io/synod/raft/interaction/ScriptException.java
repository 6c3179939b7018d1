package io.synod.raft.interaction;

/**
 * A mistake in a script (unknown command, bad argument, unknown node). Never written into an
 * expected trace: it fails the test even when the goldens are being rewritten.
 */
final class ScriptException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  ScriptException(String message) {
    super(message);
  }
}
