package io.synod.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import io.synod.raft.Entry;
import io.synod.raft.LogStore;
import io.synod.raft.LogStoreContractTest;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file-backed store keeping no entry payload in memory: every entry is read back from the log,
 * and the store still follows the contract exactly.
 */
class FileLogStoreSpilledContractTest extends LogStoreContractTest {
  @TempDir Path dir;
  private final List<FileLogStore> open = new ArrayList<>();
  private int stores;

  private static final FileLogStore.Options NOTHING_IN_MEMORY =
      new FileLogStore.Options(4096, 2).withEntryBytesInMemory(0);

  @Override
  protected LogStore newStore() {
    FileLogStore s = FileLogStore.open(dir.resolve("store" + stores++), 1, NOTHING_IN_MEMORY);
    open.add(s);
    return s;
  }

  @Override
  protected LogStore reopen(LogStore synced) {
    FileLogStore old = (FileLogStore) synced;
    old.close();
    open.remove(old);
    FileLogStore s = FileLogStore.open(dir.resolve("store" + (stores - 1)), 1, NOTHING_IN_MEMORY);
    open.add(s);
    return s;
  }

  @AfterEach
  void closeStores() {
    open.forEach(FileLogStore::close);
  }

  @Test
  void anEntryDamagedOnDiskAfterItLeftMemoryFailsTheStore() throws Exception {
    FileLogStore s = (FileLogStore) newStore();
    Bytes payload = Bytes.utf8("the entry that will be damaged");
    s.append(List.of(Entry.normal(1, 1, payload)));
    s.sync();
    Path segment;
    try (var files = Files.list(dir.resolve("store" + (stores - 1)).resolve("wal"))) {
      segment = files.filter(p -> p.toString().endsWith(".wal")).findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(segment);
    int at = indexOf(bytes, payload.toByteArray());
    assertThat(at).as("the payload is in the segment").isPositive();
    try (var ch =
        java.nio.channels.FileChannel.open(segment, java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {(byte) (bytes[at] ^ 1)}), at);
    }

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.entries(1, 2, Long.MAX_VALUE))
        .isInstanceOf(CorruptionException.class)
        .hasMessageContaining("expected entry 1/1");
    org.assertj.core.api.Assertions.assertThatThrownBy(s::lastIndex)
        .isInstanceOf(StorageException.class);
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    return -1;
  }
}
