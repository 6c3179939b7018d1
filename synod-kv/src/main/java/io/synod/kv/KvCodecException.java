package io.synod.kv;

/**
 * Bytes that are not a valid encoding: truncated, with trailing garbage, an unknown tag, a bad
 * length, an unsupported format version or nesting deeper than allowed. Decoding never returns a
 * partial or guessed value.
 */
public final class KvCodecException extends RuntimeException {
  private final boolean unsupportedVersion;

  KvCodecException(String message, boolean unsupportedVersion) {
    super(message);
    this.unsupportedVersion = unsupportedVersion;
  }

  KvCodecException(String message) {
    this(message, false);
  }

  /**
   * True if the bytes start with a format version this build does not know (written by a newer
   * node); false if they are malformed in a version it knows.
   */
  public boolean unsupportedVersion() {
    return unsupportedVersion;
  }
}
