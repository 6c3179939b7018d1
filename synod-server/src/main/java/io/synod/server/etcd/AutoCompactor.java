package io.synod.server.etcd;

import java.util.ArrayDeque;
import java.util.OptionalLong;

/**
 * etcd 3.4's automatic compaction ({@code --auto-compaction-mode}, {@code
 * --auto-compaction-retention}), decided by the leader and proposed as Compact commands. Pure: time
 * comes in as {@code nowMillis}, the store's revision as {@code revision}.
 *
 * <ul>
 *   <li>{@code periodic} with retention P (a Go duration, or a plain number of hours): every min(P,
 *       1 h)/10 the current revision is sampled, the last P/that + 1 samples are kept; the first
 *       compaction comes P after the start, later ones every min(P, 1 h), each to the oldest sample
 *       kept, i.e. the revision of about P ago (etcd {@code compactor/periodic.go}).
 *   <li>{@code revision} with retention N: every 5 minutes, compact to {@code revision - N} if that
 *       is positive and not the last one compacted to, so the last N revisions stay readable (etcd
 *       {@code compactor/revision.go}).
 *   <li>retention 0 (either mode) turns it off.
 * </ul>
 *
 * <p>Not thread-safe; the leader's loop thread owns one per term.
 */
final class AutoCompactor {
  /** etcd's revision compactor checks every 5 minutes. */
  static final long REVISION_CHECK_MILLIS = 5 * 60 * 1000L;

  private static final long HOUR_MILLIS = 3600 * 1000L;

  /** What the flags ask for. */
  sealed interface Policy {
    record Off() implements Policy {}

    record Periodic(long retentionMillis) implements Policy {}

    record Revisions(long retain) implements Policy {}

    /**
     * Parses the flags (already validated by ServerFlags). {@code retentionMillis} converts a
     * periodic retention: a plain number is hours, otherwise a Go duration.
     */
    static Policy of(String mode, String retention, java.util.function.ToLongFunction<String> ms) {
      if (mode.equals("revision")) {
        long n = Long.parseLong(retention);
        return n <= 0 ? new Off() : new Revisions(n);
      }
      long millis =
          retention.matches("\\d+")
              ? Long.parseLong(retention) * HOUR_MILLIS
              : ms.applyAsLong(retention);
      return millis <= 0 ? new Off() : new Periodic(millis);
    }
  }

  private final Policy policy;
  private final ArrayDeque<Long> samples = new ArrayDeque<>();
  private long nextSampleAtMillis;
  private long nextCompactAtMillis;
  private long lastCompacted;

  AutoCompactor(Policy policy, long nowMillis) {
    this.policy = policy;
    if (policy instanceof Policy.Periodic p) {
      nextSampleAtMillis = nowMillis;
      nextCompactAtMillis = nowMillis + p.retentionMillis();
    } else {
      nextCompactAtMillis = nowMillis + REVISION_CHECK_MILLIS;
    }
  }

  /** The revision to compact to now, if any. */
  OptionalLong tick(long nowMillis, long revision) {
    if (policy instanceof Policy.Periodic p) {
      return periodic(p.retentionMillis(), nowMillis, revision);
    }
    if (policy instanceof Policy.Revisions r && nowMillis >= nextCompactAtMillis) {
      nextCompactAtMillis = nowMillis + REVISION_CHECK_MILLIS;
      long target = revision - r.retain();
      if (target > 0 && target != lastCompacted) {
        lastCompacted = target;
        return OptionalLong.of(target);
      }
    }
    return OptionalLong.empty();
  }

  private OptionalLong periodic(long retentionMillis, long nowMillis, long revision) {
    long window = Math.min(retentionMillis, HOUR_MILLIS);
    long sampleEvery = Math.max(1, window / 10);
    int keep = (int) Math.min(10_000, retentionMillis / sampleEvery + 1);
    if (nowMillis >= nextSampleAtMillis) {
      samples.addLast(revision);
      while (samples.size() > keep) {
        samples.removeFirst();
      }
      nextSampleAtMillis = nowMillis + sampleEvery;
    }
    if (nowMillis < nextCompactAtMillis || samples.isEmpty()) {
      return OptionalLong.empty();
    }
    nextCompactAtMillis = nowMillis + window;
    long target = samples.peekFirst();
    if (target <= 1 || target == lastCompacted) {
      return OptionalLong.empty();
    }
    lastCompacted = target;
    return OptionalLong.of(target);
  }
}
