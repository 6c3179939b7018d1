package io.synod.server.etcd;

/** Best-effort closing for the test cluster helpers. */
final class Closeables {
  private Closeables() {}

  /** Closes each of {@code all} in order, ignoring any failure. */
  static void closeAll(Iterable<? extends AutoCloseable> all) {
    for (AutoCloseable c : all) {
      try {
        c.close();
      } catch (Exception e) {
        // best effort
      }
    }
  }
}
