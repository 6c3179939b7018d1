package io.synod.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What one client of the etcd load generator does in a loop. Each names one operation; its latency
 * is what the histogram holds (for {@link #WATCH}, the time from a put's send to its event).
 */
enum Workload {
  /** One Put of a random key of the key space. */
  PUT("put", "Put of one random key"),
  /** One linearizable Range of a random key (etcd's default read: a ReadIndex round). */
  RANGE("range", "linearizable Range of one random key"),
  /** One serializable Range of a random key (answered from the member's local state). */
  RANGE_SERIALIZABLE("range-serializable", "serializable Range of one random key"),
  /**
   * Compare-and-swap: a linearizable Range of a random key, then a Txn that puts it if its
   * mod_revision is unchanged; a lost race retries with the revision the Txn's else branch read.
   */
  TXN_CAS("txn-cas", "Range + Txn(mod_revision == read) then Put, retried until it wins"),
  /** LeaseGrant, one LeaseKeepAlive round trip on the client's stream, LeaseRevoke. */
  LEASE("lease", "LeaseGrant + one LeaseKeepAlive round trip + LeaseRevoke"),
  /** v3lockpb Lock then Unlock of one of --keys lock names, with a lease per client. */
  LOCK("lock", "v3lock Lock + Unlock of one of --keys names (acquire waits for the holder)"),
  /**
   * The same acquire/release with etcd's client recipe (concurrency.Mutex) over KV, lease and
   * watch, for servers without the v3lock service.
   */
  LOCK_RECIPE(
      "lock-recipe",
      "Mutex recipe: Txn-create <name>/<lease>, watch the predecessor's delete, delete"),
  /**
   * Puts of random keys; watchers, one per --keys-per-watcher keys, record the time from each put's
   * send to its event.
   */
  WATCH("watch", "put -> event latency at the watcher of the key's range");

  private final String cliName;
  private final String description;

  Workload(String cliName, String description) {
    this.cliName = cliName;
    this.description = description;
  }

  String cliName() {
    return cliName;
  }

  String description() {
    return description;
  }

  /** Whether the key space must hold a value under every key before the run. */
  boolean needsPreload() {
    return this == RANGE || this == RANGE_SERIALIZABLE || this == TXN_CAS;
  }

  static Workload parse(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    for (Workload w : values()) {
      if (w.cliName.equals(n)) {
        return w;
      }
    }
    throw new IllegalArgumentException("unknown workload '" + name + "'; one of " + cliNames());
  }

  static String cliNames() {
    return Arrays.stream(values()).map(Workload::cliName).collect(Collectors.joining(", "));
  }
}
