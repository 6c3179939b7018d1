package io.synod.server.etcd;

import io.synod.kv.KvCommand;
import io.synod.kv.KvError;
import java.util.Optional;

/**
 * Admission of writes by storage space: the hook for etcd's {@code --quota-backend-bytes} and the
 * NOSPACE alarm (a later issue). Asked at the API edge before a write is proposed; a refusal is
 * answered with the error (etcd: {@code ResourceExhausted "etcdserver: mvcc: database space
 * exceeded"}, {@link KvError#NO_SPACE}). Must be safe from any thread and quick.
 */
@FunctionalInterface
public interface WriteQuota {
  /** Lets every write through (until quotas exist). */
  WriteQuota UNLIMITED = command -> Optional.empty();

  /** The error that refuses {@code command}, or empty to let it through. */
  Optional<KvError> check(KvCommand command);
}
