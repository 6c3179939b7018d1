package io.synod.bench;

/**
 * One run of the etcd load generator: which workload, how many requests in flight, over how many
 * gRPC channels, on which key space, for how long.
 *
 * @param clients concurrent requests in flight (closed loop: each client sends its next request
 *     when the previous one is answered)
 * @param conns gRPC channels (HTTP/2 connections), spread over the endpoints in turn
 * @param keys key space size (for {@link Workload#LOCK}: the number of lock names)
 * @param valueBytes bytes of each value written
 * @param seconds measured seconds
 * @param warmupSeconds seconds of load before the measured window, not counted
 * @param ratePerSecond 0 for a closed loop; otherwise the open-loop request rate, whose latencies
 *     are counted from each request's intended start (corrected for coordinated omission)
 * @param keysPerWatcher for {@link Workload#WATCH}: consecutive keys one watch stream covers
 * @param seed for the clients' random key choice
 */
record LoadSpec(
    Workload workload,
    int clients,
    int conns,
    int keys,
    int valueBytes,
    int seconds,
    int warmupSeconds,
    double ratePerSecond,
    int keysPerWatcher,
    long seed) {

  static final int CLIENTS_MAX = 10_000;
  static final int CONNS_MAX = 1_000;
  static final int KEYS_MAX = 10_000_000;
  static final int VALUE_BYTES_MAX = 1 << 20;
  static final int SECONDS_MAX = 3_600;

  LoadSpec {
    check(clients >= 1 && clients <= CLIENTS_MAX, "--clients must be in 1.." + CLIENTS_MAX);
    check(conns >= 1 && conns <= CONNS_MAX, "--conns must be in 1.." + CONNS_MAX);
    check(keys >= 1 && keys <= KEYS_MAX, "--keys must be in 1.." + KEYS_MAX);
    check(
        valueBytes >= 0 && valueBytes <= VALUE_BYTES_MAX,
        "--value-size must be in 0.." + VALUE_BYTES_MAX);
    check(seconds >= 1 && seconds <= SECONDS_MAX, "--seconds must be in 1.." + SECONDS_MAX);
    check(
        warmupSeconds >= 0 && warmupSeconds <= SECONDS_MAX,
        "--warmup must be in 0.." + SECONDS_MAX);
    check(ratePerSecond >= 0 && ratePerSecond <= 10_000_000, "--rate must be in 0..10000000");
    check(keysPerWatcher >= 1, "--keys-per-watcher must be >= 1");
    check(
        workload != Workload.WATCH || valueBytes >= WatchLoad.STAMP_BYTES,
        "--value-size must be >= "
            + WatchLoad.STAMP_BYTES
            + " for watch (the send time rides in it)");
  }

  /** The same run with another measured window and warm-up. */
  LoadSpec withDurations(int newSeconds, int newWarmupSeconds) {
    return new LoadSpec(
        workload,
        clients,
        conns,
        keys,
        valueBytes,
        newSeconds,
        newWarmupSeconds,
        ratePerSecond,
        keysPerWatcher,
        seed);
  }

  boolean openLoop() {
    return ratePerSecond > 0;
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
