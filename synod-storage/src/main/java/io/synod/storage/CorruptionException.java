package io.synod.storage;

import java.nio.file.Path;

/**
 * A data directory holds data that is damaged somewhere other than the torn tail a crash can leave:
 * the node refuses to start rather than repair silently. The message names the file and the offset.
 */
public final class CorruptionException extends StorageException {
  private final Path file;
  private final long offset;
  private final String reason;

  public CorruptionException(Path file, long offset, String reason) {
    super("corrupt data in " + file + " at offset " + offset + ": " + reason);
    this.file = file;
    this.offset = offset;
    this.reason = reason;
  }

  public Path file() {
    return file;
  }

  public long offset() {
    return offset;
  }

  /** What is wrong there, without the file and offset. */
  public String reason() {
    return reason;
  }
}
