package io.synod.kv;

import io.synod.common.Bytes;

/**
 * One version of a key, as etcd's {@code mvccpb.KeyValue}: created at {@code createRevision}, last
 * modified at {@code modRevision}, {@code version} puts since its creation, attached to {@code
 * lease} (0 for none). Immutable.
 */
public record KeyValue(
    Bytes key, long createRevision, long modRevision, long version, Bytes value, long lease) {

  /** The same key-value without its value (for keys-only reads). */
  public KeyValue withoutValue() {
    return new KeyValue(key, createRevision, modRevision, version, Bytes.EMPTY, lease);
  }
}
