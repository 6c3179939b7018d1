package io.synod.sim;

import io.synod.kv.KvCommand;
import io.synod.kv.KvResponse;
import io.synod.kv.RangeRequest;

/**
 * What simulated clients ask replicas and what comes back, as the server's API edge would hand it
 * to the core: writes as {@link KvCommand}s (proposed encoded with {@code KvCodec}), reads as
 * {@link RangeRequest}s, lease keep-alives by id. Requests are never duplicated by the network
 * (etcd has no client sessions, so a duplicated write would apply twice); replies may be.
 */
final class Rpc {
  private Rpc() {}

  /** What a client asks. */
  sealed interface Call {}

  /** A command for the log: Put, DeleteRange, Txn, LeaseGrant, LeaseRevoke. */
  record Write(KvCommand command) implements Call {}

  /** A Range: linearizable through the loop's ReadIndex, or served locally if serializable. */
  record Read(RangeRequest range) implements Call {}

  /** etcd's LeaseKeepAlive, to the leader. */
  record KeepAlive(long leaseId) implements Call {}

  /** What comes back. */
  sealed interface Reply {}

  /**
   * The command was applied (or the read served) at {@code nodeId}; errors are {@link
   * KvResponse.Error} values.
   */
  record Done(KvResponse response, long nodeId) implements Reply {}

  /** The leader renewed the lease for {@code ttlSeconds}; 0: unknown or already expired. */
  record KeptAlive(long ttlSeconds) implements Reply {}

  /** Definitely not applied (not the leader, busy, overwritten): the client may retry. */
  record Refused(long leaderHint) implements Reply {}

  /** Who gets the reply. */
  interface Caller {
    long endpoint();

    void onReply(Request request, Reply reply);
  }

  /** One attempt of a request on its way to a replica. */
  record Request(Caller caller, long seq, int attempt, long sentMicros, Call call) {}
}
