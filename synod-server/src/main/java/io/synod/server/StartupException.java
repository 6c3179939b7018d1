package io.synod.server;

/**
 * The member cannot start: a data directory that is corrupt, belongs to another member or cluster,
 * or a port that cannot be bound. The message is one line that says what to do; the process prints
 * it and exits with status 1.
 */
public final class StartupException extends Exception {
  public StartupException(String message) {
    super(message);
  }

  public StartupException(String message, Throwable cause) {
    super(message, cause);
  }
}
