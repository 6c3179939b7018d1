package io.synod.storage;

import io.synod.raft.LogStore;
import io.synod.raft.LogStoreContractTest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The file-backed store follows exactly the contract the in-memory store and the simulator do. */
class FileLogStoreContractTest extends LogStoreContractTest {
  @TempDir Path dir;
  private final List<FileLogStore> open = new ArrayList<>();
  private int stores;

  private static final FileLogStore.Options SMALL_SEGMENTS = new FileLogStore.Options(4096, 2);

  @Override
  protected LogStore newStore() {
    FileLogStore s = FileLogStore.open(dir.resolve("store" + stores++), 1, SMALL_SEGMENTS);
    open.add(s);
    return s;
  }

  @Override
  protected LogStore reopen(LogStore synced) {
    FileLogStore old = (FileLogStore) synced;
    old.close();
    open.remove(old);
    FileLogStore s = FileLogStore.open(dir.resolve("store" + (stores - 1)), 1, SMALL_SEGMENTS);
    open.add(s);
    return s;
  }

  @AfterEach
  void closeStores() {
    open.forEach(FileLogStore::close);
  }
}
