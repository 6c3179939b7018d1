package io.synod.storage;

import java.nio.file.Path;
import java.util.List;

/**
 * The file layer under the write-ahead log and the snapshot files: just the operations storage
 * needs, so tests can put a fault-injecting implementation underneath (one that loses unsynced
 * writes, tears the last write at any byte, flips bits, forgets unsynced directory changes).
 *
 * <p>Durability, as on Linux: data written to a file survives a crash only after {@link
 * DiskFile#force()}; a file's creation, rename or deletion survives only after {@link
 * #syncDirectory(Path)} on its directory. Every method throws {@link StorageException} on an IO
 * error; storage treats that as fail-stop.
 *
 * <p>Implementations are thread-safe.
 */
public interface Disk {

  boolean exists(Path path);

  boolean isDirectory(Path path);

  /** Creates {@code dir} and its missing parents. */
  void createDirectories(Path dir);

  /** The names of the entries in {@code dir}, sorted. */
  List<String> list(Path dir);

  /** Opens {@code path} for reading and writing, creating it empty if {@code create} is set. */
  DiskFile open(Path path, boolean create);

  /** Renames {@code from} to {@code to} atomically, replacing {@code to} if it exists. */
  void rename(Path from, Path to);

  void delete(Path path);

  /** Makes the creations, renames and deletions in {@code dir} durable (fsync of the directory). */
  void syncDirectory(Path dir);

  /**
   * Takes an exclusive lock on {@code path} for the life of this process, so two processes never
   * share a data directory. Returns a handle to release it, or throws if another holder has it.
   */
  AutoCloseable lock(Path path);
}
