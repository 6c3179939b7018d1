package io.synod.server.etcd;

import io.synod.common.Bytes;
import io.synod.kv.LeaseTimeToLive;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The payloads of {@code ForwardKind.LEASE_KEEPALIVE} and {@code LEASE_TIME_TO_LIVE} between
 * members: a follower asks the leader's lease clock. Replies start with a tag: {@value #VALUE} and
 * the answer, or {@value #NOT_LEADER} and the leader the receiver knows (0 if none). Big-endian
 * fixed-width fields. A malformed reply reads as "not leader" (the caller retries). Stateless.
 */
final class LeaseForwards {
  private static final byte VALUE = 1;
  private static final byte NOT_LEADER = 2;

  private LeaseForwards() {}

  static Bytes keepAliveRequest(long id) {
    return Bytes.wrapOwned(ByteBuffer.allocate(8).putLong(id).array());
  }

  static long keepAliveId(Bytes payload) {
    return payload.asReadOnlyBuffer().getLong();
  }

  static Bytes keepAliveReply(KvReplica.LeaderAnswer<Long> answer) {
    if (answer instanceof KvReplica.LeaderAnswer.Value<Long> v) {
      return Bytes.wrapOwned(ByteBuffer.allocate(9).put(VALUE).putLong(v.value()).array());
    }
    return notLeader(answer);
  }

  static KvReplica.LeaderAnswer<Long> keepAliveAnswer(Bytes reply) {
    try {
      ByteBuffer b = reply.asReadOnlyBuffer();
      byte tag = b.get();
      long n = b.getLong();
      return tag == VALUE
          ? new KvReplica.LeaderAnswer.Value<>(n)
          : new KvReplica.LeaderAnswer.NotLeader<>(n);
    } catch (BufferUnderflowException e) {
      return new KvReplica.LeaderAnswer.NotLeader<>(0);
    }
  }

  static Bytes timeToLiveRequest(long id, boolean keys) {
    return Bytes.wrapOwned(ByteBuffer.allocate(9).putLong(id).put((byte) (keys ? 1 : 0)).array());
  }

  /** The id and keys flag of a time-to-live request. */
  static long timeToLiveId(Bytes payload) {
    return payload.asReadOnlyBuffer().getLong();
  }

  static boolean timeToLiveKeys(Bytes payload) {
    return payload.asReadOnlyBuffer().get(8) != 0;
  }

  static Bytes timeToLiveReply(KvReplica.LeaderAnswer<LeaseTimeToLive> answer) {
    if (!(answer instanceof KvReplica.LeaderAnswer.Value<LeaseTimeToLive> v)) {
      return notLeader(answer);
    }
    LeaseTimeToLive t = v.value();
    int size = 1 + 8 * 3 + 4;
    for (Bytes k : t.keys()) {
      size += 4 + k.size();
    }
    ByteBuffer b = ByteBuffer.allocate(size).put(VALUE);
    b.putLong(t.id()).putLong(t.ttlSeconds()).putLong(t.grantedTtlSeconds());
    b.putInt(t.keys().size());
    for (Bytes k : t.keys()) {
      b.putInt(k.size());
      k.writeTo(b);
    }
    return Bytes.wrapOwned(b.array());
  }

  static KvReplica.LeaderAnswer<LeaseTimeToLive> timeToLiveAnswer(Bytes reply) {
    try {
      ByteBuffer b = reply.asReadOnlyBuffer();
      if (b.get() != VALUE) {
        return new KvReplica.LeaderAnswer.NotLeader<>(b.getLong());
      }
      long id = b.getLong();
      long ttl = b.getLong();
      long granted = b.getLong();
      int n = b.getInt();
      if (n < 0 || n > b.remaining() / 4) {
        return new KvReplica.LeaderAnswer.NotLeader<>(0);
      }
      List<Bytes> keys = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        int len = b.getInt();
        if (len < 0 || len > b.remaining()) {
          return new KvReplica.LeaderAnswer.NotLeader<>(0);
        }
        byte[] k = new byte[len];
        b.get(k);
        keys.add(Bytes.wrapOwned(k));
      }
      return new KvReplica.LeaderAnswer.Value<>(new LeaseTimeToLive(id, ttl, granted, keys));
    } catch (BufferUnderflowException e) {
      return new KvReplica.LeaderAnswer.NotLeader<>(0);
    }
  }

  private static Bytes notLeader(KvReplica.LeaderAnswer<?> answer) {
    long hint = ((KvReplica.LeaderAnswer.NotLeader<?>) answer).leaderHint();
    return Bytes.wrapOwned(ByteBuffer.allocate(9).put(NOT_LEADER).putLong(hint).array());
  }
}
