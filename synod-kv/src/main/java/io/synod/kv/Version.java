package io.synod.kv;

import io.synod.common.Bytes;
import java.util.Optional;

/**
 * One entry of a key's history: a put (with its value) or a tombstone (the delete that ended a
 * generation). Versions of one key are chained newest first through {@link #prev}; compaction cuts
 * the chain below the newest version at or before the compact revision, so a chain holds exactly
 * what reads at any revision from the compaction point on need.
 *
 * <p>The revision log refers to the same objects, so a value is stored once whatever the number of
 * indexes that reach it. Only {@code prev} ever changes (compaction cuts it). Confined to the
 * replica loop's thread.
 */
final class Version {
  final Bytes key;
  final long modRevision;
  final long createRevision;
  final long version;
  final long lease;

  /** The value, or null for a tombstone. */
  final Bytes value;

  /** The next older version of the same key, or null if there is none (or it was compacted). */
  Version prev;

  private Version(
      Bytes key,
      long modRevision,
      long createRevision,
      long version,
      long lease,
      Bytes value,
      Version prev) {
    this.key = key;
    this.modRevision = modRevision;
    this.createRevision = createRevision;
    this.version = version;
    this.lease = lease;
    this.value = value;
    this.prev = prev;
  }

  static Version put(
      Bytes key,
      long modRevision,
      long createRevision,
      long version,
      long lease,
      Bytes value,
      Version prev) {
    return new Version(key, modRevision, createRevision, version, lease, value, prev);
  }

  static Version tombstone(Bytes key, long modRevision, Version prev) {
    return new Version(key, modRevision, 0, 0, 0, null, prev);
  }

  boolean isTombstone() {
    return value == null;
  }

  /** The newest version of this chain with a mod revision at or below {@code revision}, or null. */
  Version at(long revision) {
    Version v = this;
    while (v != null && v.modRevision > revision) {
      v = v.prev;
    }
    return v;
  }

  /** The live (non-tombstone) version at {@code revision}, or null if the key did not exist. */
  Version liveAt(long revision) {
    Version v = at(revision);
    return v == null || v.isTombstone() ? null : v;
  }

  /**
   * What a read at {@code modRevision - 1} returns for this key: the version this one replaced, if
   * it was live and is still held. Watch events use it for {@code prev_kv}, as etcd reads it then.
   */
  Optional<KeyValue> previousKeyValue() {
    Version p = prev;
    while (p != null && p.modRevision >= modRevision) {
      p = p.prev;
    }
    return p == null || p.isTombstone() ? Optional.empty() : Optional.of(p.toKeyValue());
  }

  KeyValue toKeyValue() {
    if (isTombstone()) {
      // etcd: a DELETE event's kv holds only the key and the revision of the delete.
      return new KeyValue(key, 0, modRevision, 0, Bytes.EMPTY, 0);
    }
    return new KeyValue(key, createRevision, modRevision, version, value, lease);
  }

  @Override
  public String toString() {
    return key + "@" + modRevision + (isTombstone() ? " tombstone" : " v" + version);
  }
}
