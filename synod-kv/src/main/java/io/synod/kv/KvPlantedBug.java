package io.synod.kv;

/**
 * Known-wrong rules of the key-value state machine that tests switch on, one at a time, to prove
 * the simulator's key-value checkers catch them (as {@code io.synod.raft.PlantedBug} does for
 * Raft). Never set in production: {@link KvConfig} defaults to none.
 */
public enum KvPlantedBug {
  /** A lease revoke leaves the last of its keys live (detached from the lease, not deleted). */
  REVOKE_KEEPS_LAST_KEY,
  /**
   * A watcher that compaction passed skips to the compaction point and carries on, instead of being
   * canceled with the compact revision: it silently loses the events in between.
   */
  WATCH_SKIPS_COMPACTED,
  /**
   * A keep-alive of a checkpointed lease does not clear its checkpoint, so a new leader resumes the
   * lease from the stale remaining TTL (etcd 3.4's bug, fixed in 3.5 by clearing it on renewal).
   */
  KEEP_ALIVE_KEEPS_CHECKPOINT
}
