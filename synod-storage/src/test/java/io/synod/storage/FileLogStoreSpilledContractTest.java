package io.synod.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import io.synod.raft.Entry;
import io.synod.raft.LogStore;
import io.synod.raft.LogStoreContractTest;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file-backed store keeping no entry payload in memory (every entry is read back from the log)
 * and writing the snapshots it takes on a background thread: it still follows the contract exactly.
 */
class FileLogStoreSpilledContractTest extends LogStoreContractTest {
  @TempDir Path dir;
  private final List<FileLogStore> open = new ArrayList<>();
  private int stores;

  private static final ExecutorService WRITER = Executors.newSingleThreadExecutor();

  private static final FileLogStore.Options NOTHING_IN_MEMORY =
      new FileLogStore.Options(4096, 2).withEntryBytesInMemory(0).withSnapshotWriter(WRITER);

  @AfterAll
  static void stopWriter() {
    WRITER.shutdownNow();
  }

  @Override
  protected LogStore newStore() {
    FileLogStore s = FileLogStore.open(dir.resolve("store" + stores++), 1, NOTHING_IN_MEMORY);
    open.add(s);
    return settled(s);
  }

  @Override
  protected LogStore reopen(LogStore synced) {
    FileLogStore old = open.get(open.size() - 1);
    old.close();
    open.remove(old);
    FileLogStore s = FileLogStore.open(dir.resolve("store" + (stores - 1)), 1, NOTHING_IN_MEMORY);
    open.add(s);
    return settled(s);
  }

  /**
   * {@code s}, waiting after each saveSnapshot until the background write is durable: the contract
   * has compaction take effect at once, which a store holds back while its snapshot is written
   * (FileLogStoreSnapshotWriterTest covers that window).
   */
  private static LogStore settled(FileLogStore s) {
    return (LogStore)
        Proxy.newProxyInstance(
            LogStore.class.getClassLoader(),
            new Class<?>[] {LogStore.class},
            (proxy, method, args) -> {
              try {
                Object result = method.invoke(s, args);
                if (method.getName().equals("saveSnapshot")) {
                  s.awaitSnapshotDurable();
                }
                return result;
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  @AfterEach
  void closeStores() {
    open.forEach(FileLogStore::close);
  }

  @Test
  void anEntryDamagedOnDiskAfterItLeftMemoryFailsTheStore() throws Exception {
    LogStore s = newStore();
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
