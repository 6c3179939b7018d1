package io.synod.lincheck.model;

import java.util.Optional;

/** Small shared pieces of the models: how values print, and output kind checks. */
final class Values {
  private Values() {}

  /** An optional value as explanations print it: the value itself, or {@code <absent>}. */
  static String show(Optional<String> value) {
    return value.orElse("<absent>");
  }

  /**
   * {@code output} as a {@code kind}; a mismatch means the history was built wrong (for example a
   * read answered with {@code ok}), which is a caller bug rather than a linearizability violation.
   */
  static <T> T expect(Object output, Class<T> kind, Object input) {
    if (!kind.isInstance(output)) {
      throw new IllegalArgumentException(
          input
              + " cannot be answered with "
              + output
              + " ("
              + output.getClass().getSimpleName()
              + ")");
    }
    return kind.cast(output);
  }
}
