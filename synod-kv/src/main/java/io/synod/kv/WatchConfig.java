package io.synod.kv;

/**
 * Limits of the {@link WatchHub}. {@code catchUpEventsMax}: events per catch-up response (a
 * response always ends at a revision boundary, so it may hold more when one revision is larger);
 * {@code pumpChangesMax}: log changes one {@link WatchHub#pump()} call scans at most, over all
 * catching-up watchers; {@code fragmentBytesMax}: size above which a watcher that asked for
 * fragments gets a response split (etcd: max-request-bytes + 512 KiB); {@code
 * progressIntervalMillis}: how often watchers with {@code progress_notify} hear progress when they
 * received nothing (etcd: 10 minutes).
 */
public record WatchConfig(
    int catchUpEventsMax, int pumpChangesMax, int fragmentBytesMax, long progressIntervalMillis) {
  public WatchConfig {
    if (catchUpEventsMax < 1 || pumpChangesMax < 1 || fragmentBytesMax < 1) {
      throw new IllegalArgumentException("watch limits must be positive");
    }
    if (progressIntervalMillis < 1) {
      throw new IllegalArgumentException("progress interval must be positive");
    }
  }

  public static WatchConfig defaults() {
    return new WatchConfig(1000, 10_000, 2 * 1024 * 1024, 10 * 60 * 1000L);
  }
}
