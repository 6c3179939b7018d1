package io.synod.storage;

/**
 * Storage failed: an IO error, or data that cannot be trusted. Fail-stop: the replica that sees it
 * must stop and recover from disk. Never retry an fsync that failed: the kernel may have dropped
 * the dirty pages it could not write, so a second fsync can succeed without the data.
 */
public class StorageException extends RuntimeException {
  public StorageException(String message) {
    super(message);
  }

  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
