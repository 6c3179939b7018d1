package io.synod.kv;

import java.util.Optional;

/**
 * A change seen by watchers. For a DELETE, {@code kv} holds only the key and the revision of the
 * delete (as etcd). {@code prevKv} is the key's previous version, when asked for and when there was
 * one (never for a creation).
 */
public record Event(Type type, KeyValue kv, Optional<KeyValue> prevKv) {
  /** What happened to the key. */
  public enum Type {
    PUT,
    DELETE
  }
}
