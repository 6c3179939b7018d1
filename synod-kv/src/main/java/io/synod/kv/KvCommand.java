package io.synod.kv;

import io.synod.common.Bytes;
import java.util.List;

/**
 * Everything that changes the state machine, and therefore goes through the Raft log. Encoded with
 * {@code KvCodec}; applied identically by every replica. Immutable.
 */
public sealed interface KvCommand {

  /** etcd's PutRequest. */
  record Put(
      Bytes key, Bytes value, long lease, boolean prevKv, boolean ignoreValue, boolean ignoreLease)
      implements KvCommand {}

  /** etcd's DeleteRangeRequest. */
  record DeleteRange(Bytes key, Bytes rangeEnd, boolean prevKv) implements KvCommand {}

  /** etcd's TxnRequest. */
  record Txn(List<Compare> compares, List<RequestOp> success, List<RequestOp> failure)
      implements KvCommand {
    public Txn {
      compares = List.copyOf(compares);
      success = List.copyOf(success);
      failure = List.copyOf(failure);
    }
  }

  /** etcd's CompactionRequest. */
  record Compact(long revision, boolean physical) implements KvCommand {}

  /** etcd's LeaseGrantRequest; {@code id} 0 lets the state machine pick one. */
  record LeaseGrant(long ttlSeconds, long id) implements KvCommand {}

  /** etcd's LeaseRevokeRequest, also what the leader proposes when a lease expires. */
  record LeaseRevoke(long id) implements KvCommand {}

  /**
   * The leader records how long each lease has left, so a new leader does not restart them from
   * their full TTL.
   */
  record LeaseCheckpoint(List<Checkpoint> checkpoints) implements KvCommand {
    public LeaseCheckpoint {
      checkpoints = List.copyOf(checkpoints);
    }

    /**
     * Whether this checkpoints lease {@code id}. The keeper's tick right after a renewal
     * checkpoints the renewed lease (with 0, or with its renewed remaining TTL when the periodic
     * checkpoint falls due in the same tick): a keep-alive waits for that command to apply.
     */
    public boolean covers(long id) {
      for (Checkpoint c : checkpoints) {
        if (c.id() == id) {
          return true;
        }
      }
      return false;
    }
  }

  /** One lease's remaining time to live. */
  record Checkpoint(long id, long remainingTtlMillis) {}
}
