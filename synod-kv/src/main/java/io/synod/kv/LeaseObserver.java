package io.synod.kv;

/**
 * Hears about lease changes as the {@link LeaseTable} applies them: the leader's {@link
 * LeaseKeeper} uses it to start and stop deadlines. Called on the replica loop's thread, during
 * apply or restore; must not call back into the state machine.
 */
public interface LeaseObserver {
  /** A lease was granted with {@code ttlSeconds} (already raised to the minimum). */
  void granted(long id, long ttlSeconds);

  /** A lease was revoked (by request or expiry); its keys are already deleted. */
  void revoked(long id);

  /**
   * A checkpoint of lease {@code id} (remaining TTL {@code remainingMillis}, 0 clears it) was
   * applied; told even when the table did not change.
   */
  default void checkpointApplied(long id, long remainingMillis) {}

  /** The whole table was replaced by a snapshot. */
  void reset();
}
