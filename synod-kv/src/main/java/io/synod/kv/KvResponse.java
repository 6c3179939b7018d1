package io.synod.kv;

import java.util.List;
import java.util.Optional;

/**
 * What applying a {@link KvCommand} (or serving a {@link RangeRequest}) produced. {@code revision}
 * is the store revision the response header reports. Failures are {@link Error} values, never
 * exceptions. Immutable.
 */
public sealed interface KvResponse {

  record Range(long revision, List<KeyValue> kvs, boolean more, long count) implements KvResponse {
    public Range {
      kvs = List.copyOf(kvs);
    }
  }

  record Put(long revision, Optional<KeyValue> prevKv) implements KvResponse {}

  record DeleteRange(long revision, long deleted, List<KeyValue> prevKvs) implements KvResponse {
    public DeleteRange {
      prevKvs = List.copyOf(prevKvs);
    }
  }

  /**
   * {@code responses} are {@link Range}, {@link Put}, {@link DeleteRange} or {@link Txn}, in order.
   */
  record Txn(long revision, boolean succeeded, List<KvResponse> responses) implements KvResponse {
    public Txn {
      responses = List.copyOf(responses);
    }
  }

  record Compact(long revision) implements KvResponse {}

  record LeaseGrant(long revision, long id, long ttlSeconds) implements KvResponse {}

  record LeaseRevoke(long revision) implements KvResponse {}

  record LeaseCheckpoint(long revision) implements KvResponse {}

  /**
   * etcd's HashKV: {@code hash} (an unsigned 32-bit value) of the key-value view at the revision
   * asked for, equal on every replica; {@code revision} is the current revision, {@code
   * compactRevision} the compaction point (-1 if never compacted).
   */
  record HashKv(long revision, long hash, long compactRevision) implements KvResponse {}

  /** The command failed; nothing changed. */
  record Error(KvError error) implements KvResponse {}
}
