package io.synod.storage;

import static io.synod.storage.FileLogStoreCrashTest.entries;
import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import io.synod.raft.Entry;
import io.synod.raft.HardState;
import io.synod.storage.FaultyDisk.CrashMode;
import io.synod.storage.WalCodec.Decoded;
import io.synod.storage.WalRecord.EntryRecord;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A crash may cut the last write anywhere. For every byte at which it can be cut, recovery keeps
 * exactly the records written whole before the cut, says it cut a torn tail exactly when part of a
 * record was left, and leaves a log that the next recovery finds clean.
 */
class FileLogStoreTornWriteTest {
  private static final Path DIR = CrashWorkload.DIR;
  private static final Path WAL = DIR.resolve("wal");
  private static final long GROUP = CrashWorkload.GROUP;
  private static final FileLogStore.Options OPTIONS = new FileLogStore.Options(16384, 2);
  private static final HardState SYNCED_STATE = new HardState(3, 2, 15);

  private static FileLogStore open(FaultyDisk disk) {
    return FileLogStore.open(disk, DIR, GROUP, OPTIONS);
  }

  private static Path lastSegment(FaultyDisk disk) {
    List<String> names = disk.list(WAL);
    return WAL.resolve(names.get(names.size() - 1));
  }

  /** Entries of varied sizes, one with an empty payload, one longer than a sector. */
  private static List<Entry> lastBatch(long from) {
    List<Entry> out = new ArrayList<>();
    int[] sizes = {0, 7, 700, 40};
    for (int i = 0; i < sizes.length; i++) {
      byte[] data = new byte[sizes[i]];
      for (int j = 0; j < data.length; j++) {
        data[j] = (byte) (31 * j + i + 1);
      }
      out.add(Entry.normal(3, from + i, Bytes.wrapOwned(data)));
    }
    return out;
  }

  /** The offsets, within the batch's write, at which each of its records ends. */
  private static List<Integer> recordEnds(List<Entry> batch) {
    List<Integer> ends = new ArrayList<>();
    int at = 0;
    for (Entry e : batch) {
      at += WalCodec.encodedSize(new EntryRecord(GROUP, e));
      ends.add(at);
    }
    return ends;
  }

  /** The records of a write, decoded from what the file holds: [end offset in the write]. */
  private static List<Located> recordsOf(byte[] file, FaultyDisk.PendingWrite write) {
    List<Located> out = new ArrayList<>();
    ByteBuffer b = ByteBuffer.wrap(file, 0, (int) write.position() + write.length());
    int at = (int) write.position();
    while (at < b.limit()) {
      Decoded.Valid v = (Decoded.Valid) WalCodec.decode(b.duplicate().position(at));
      at += v.bytes();
      out.add(new Located(at - (int) write.position(), v.record()));
    }
    return out;
  }

  private record Located(int end, WalRecord record) {}

  /**
   * Tears the {@code writeNumber}-th unsynced write of the last segment at every byte and checks
   * each recovery: it holds the synced log plus the entries whose records were whole before the
   * cut. The write holds the entries of {@code batch}, if any.
   */
  private static void tearEverywhere(
      FaultyDisk disk, int writeNumber, List<Entry> synced, List<Entry> batch) {
    Path segment = lastSegment(disk);
    FaultyDisk.PendingWrite write = disk.pendingWrites(segment).get(writeNumber);
    byte[] bytes = disk.read(segment);
    List<Located> records = recordsOf(bytes, write);
    assertThat(records.stream().map(Located::record).filter(EntryRecord.class::isInstance))
        .map(r -> ((EntryRecord) r).entry())
        .isEqualTo(batch);
    for (int cut = 0; cut <= write.length(); cut++) {
      FaultyDisk torn = disk.copy();
      torn.crashTearing(segment, writeNumber, cut);
      List<Entry> expected = new ArrayList<>(synced);
      int recordStart = 0;
      for (Located r : records) {
        if (r.end() <= cut) {
          recordStart = r.end();
          if (r.record() instanceof EntryRecord e) {
            expected.add(e.entry());
          }
        }
      }
      boolean partLeft = false;
      for (int i = recordStart; i < cut; i++) {
        partLeft |= bytes[(int) write.position() + i] != 0;
      }
      String at = "cut after " + cut + " of " + write.length() + " bytes";

      FileLogStore recovered = open(torn);

      assertThat(recovered.hardState()).as(at).isEqualTo(SYNCED_STATE);
      assertThat(recovered.entries(1, recovered.lastIndex() + 1, Long.MAX_VALUE))
          .as(at)
          .isEqualTo(expected);
      assertThat(recovered.recoveryNotes().stream().anyMatch(n -> n.contains("torn tail")))
          .as(at + ": " + recovered.recoveryNotes())
          .isEqualTo(partLeft);
      // The cut is durable and complete: a crash now, and the next recovery finds nothing more.
      torn.crash(new SplittableRandom(cut), CrashMode.DROP_UNSYNCED);
      FileLogStore again = open(torn);
      assertThat(again.recoveryNotes()).as(at).isEmpty();
      assertThat(again.entries(1, again.lastIndex() + 1, Long.MAX_VALUE))
          .as(at)
          .isEqualTo(expected);
    }
  }

  @Test
  void tearingTheLastAppendAtEveryByteKeepsExactlyItsWholeRecords() {
    FaultyDisk disk = new FaultyDisk();
    FileLogStore store = open(disk);
    List<Entry> synced = entries(1, 20, 3);
    store.append(synced);
    store.setHardState(SYNCED_STATE);
    store.sync();
    List<Entry> batch = lastBatch(21);
    store.append(batch);
    assertThat(disk.pendingWrites(lastSegment(disk))).hasSize(1);

    tearEverywhere(disk, 0, synced, batch);
  }

  @Test
  void tearingAnAppendThatReplacesASuffixKeepsTheOldSuffixUntilTheNewRecordsAreWhole() {
    FaultyDisk disk = new FaultyDisk();
    FileLogStore store = open(disk);
    store.append(entries(1, 20, 3));
    store.setHardState(SYNCED_STATE);
    store.sync();
    List<Entry> batch = lastBatch(17);
    store.append(batch);

    // Each whole record of the new batch replaces the synced entries from its index on.
    Path segment = lastSegment(disk);
    for (int whole = 0; whole <= batch.size(); whole++) {
      FaultyDisk torn = disk.copy();
      int cut = whole == 0 ? 0 : recordEnds(batch).get(whole - 1);
      torn.crashTearing(segment, 0, cut);
      List<Entry> expected = new ArrayList<>(entries(1, whole == 0 ? 20 : 16, 3));
      expected.addAll(batch.subList(0, whole));

      FileLogStore recovered = open(torn);

      assertThat(recovered.entries(1, recovered.lastIndex() + 1, Long.MAX_VALUE))
          .as("%d whole records", whole)
          .isEqualTo(expected);
    }
  }

  @Test
  void tearingTheFirstWritesOfANewSegmentAtEveryByteKeepsTheSealedOne() {
    FaultyDisk disk = new FaultyDisk();
    FileLogStore store = open(disk);
    store.setHardState(SYNCED_STATE);
    store.append(entries(1, 20, 3));
    store.sync();
    List<Entry> synced = new ArrayList<>(entries(1, 20, 3));
    // Fill the first segment with synced entries, up to the append that starts the second.
    long index = 21;
    int segments = store.wal().segmentCount();
    List<Entry> batch;
    while (true) {
      batch = lastBatch(index);
      store.append(batch);
      if (store.wal().segmentCount() > segments) {
        break;
      }
      store.sync();
      synced.addAll(batch);
      index += batch.size();
    }
    Path segment = lastSegment(disk);
    // The new segment's preamble (header, hard state), then the batch that did not fit.
    assertThat(disk.pendingWrites(segment)).hasSize(2);

    tearEverywhere(disk, 0, synced, List.of());
    tearEverywhere(disk, 1, synced, batch);
  }
}
