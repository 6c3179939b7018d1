package io.synod.storage;

import io.synod.common.Assert;
import io.synod.common.Bytes;
import io.synod.raft.ConfState;
import io.synod.raft.Entry;
import io.synod.raft.HardState;
import io.synod.raft.LogStore;
import io.synod.raft.MemoryLogStore;
import io.synod.raft.Snapshot;
import io.synod.raft.SnapshotMeta;
import io.synod.storage.WalRecord.CompactRecord;
import io.synod.storage.WalRecord.EntryRecord;
import io.synod.storage.WalRecord.HardStateRecord;
import io.synod.storage.WalRecord.SnapshotRecord;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The durable {@link LogStore}: a segmented write-ahead log ({@link WalWriter}) plus snapshot files
 * ({@link SnapshotFiles}) in a data directory. The newest entries are also kept in memory, up to
 * {@link Options#entryBytesInMemory()} bytes of payload; older ones keep only their index and term
 * in memory and are read back from their segment when asked for (a slow follower, a long apply
 * backlog), so memory does not grow with the log between two snapshots. Likewise only a snapshot's
 * metadata stays in memory: {@link #snapshot()} reads its data from the file (the leader does, to
 * send it to a member that fell behind).
 *
 * <pre>
 *   DIR/LOCK                          held while open: one process per directory
 *   DIR/wal/&lt;seq&gt;-&lt;index&gt;.wal         segments: entries, hard states, snapshot records
 *   DIR/snap/&lt;term&gt;-&lt;index&gt;.snap       snapshot files, the newest few
 * </pre>
 *
 * Writes follow the LogStore contract exactly: appends and hard states go to the log without an
 * fsync and become durable at {@link #sync()}; a crash keeps a prefix of them and may tear the last
 * append. Snapshots are durable when {@link #saveSnapshot} or {@link #installSnapshot} returns.
 * Compaction drops entries from memory and deletes segments a durable snapshot covers, syncing the
 * log first when it deletes any (so the snapshot's record is durable before its entry is gone).
 *
 * <p>{@link #open} creates the directory durably (a new directory is synced into its parent) and
 * refuses a damaged one with a {@link CorruptionException} naming file and offset. It repairs only
 * what a crash can leave, each reported in {@link #recoveryNotes()}: a torn tail of the last
 * segment (an append a crash cut short, never synced) is cut off; a last segment whose header never
 * reached the disk is removed; a log that does not lead up to the newest snapshot file (whose
 * record was not synced) is restarted after it, and the restart recorded.
 *
 * <p>Fail-stop: once a write, fsync or snapshot file fails, every later call throws and nothing is
 * retried; the replica restarts and recovers from disk.
 *
 * <p>Owned by one replica loop; not thread-safe (the write-ahead log underneath is).
 */
public final class FileLogStore implements LogStore, AutoCloseable {
  private final Disk disk;
  private final long groupId;
  private final Options options;
  private final MemoryLogStore memory;
  private final WalWriter wal;
  private final SnapshotFiles snapshots;
  private final AutoCloseable dirLock;
  private final List<String> recoveryNotes;
  private long lastTicket;
  private StorageException failure;

  /** Where the entries from {@code memory.firstIndex()} to its last index lie in the log. */
  private final EntryLocations locations;

  /**
   * Entries from {@code memory.firstIndex()} up to here (exclusive) are stand-ins in memory (index,
   * term and type, no payload): their payloads are read from the log.
   */
  private long spilledEnd;

  /**
   * The payload bytes of the entries in memory, from {@link #spilledEnd} on. Volatile, like {@link
   * #entriesReadBack}: only the owner writes them, metrics read them from other threads.
   */
  private volatile long bytesInMemory;

  private volatile long entriesReadBack;

  /**
   * The snapshot read while opening, handed out by the first {@link #snapshot()} (the replica
   * restores its state machine from it) instead of being read again; null once handed out.
   */
  private Snapshot openedSnapshot;

  /** A snapshot whose file is being written on the snapshot writer; null if none. */
  private PendingSnapshot pending;

  /** The highest index a compaction was asked for while {@link #pending} was being written. */
  private long deferredCompaction = -1;

  /** A snapshot being built and written; {@code written} completes with it, data and all. */
  private record PendingSnapshot(SnapshotMeta meta, CompletableFuture<Snapshot> written) {}

  /**
   * Tuning of a store.
   *
   * @param segmentBytes the size a segment is preallocated to; a new one starts when it is full
   * @param snapshotsKept how many snapshot files to keep
   * @param preallocator where the next segment is preallocated; null: when it is needed
   * @param entryBytesInMemory how many bytes of the newest entries' payloads stay in memory; older
   *     entries are read back from the log when asked for
   * @param snapshotWriter where the file of a snapshot the replica took is written and synced;
   *     null: in {@link #saveSnapshot}, before it returns
   */
  public record Options(
      long segmentBytes,
      int snapshotsKept,
      Executor preallocator,
      long entryBytesInMemory,
      Executor snapshotWriter) {
    /** The payload bytes of the newest entries kept in memory unless told otherwise. */
    public static final long ENTRY_BYTES_IN_MEMORY = 4L << 20;

    public Options {
      if (segmentBytes < 4096 || snapshotsKept < 1 || entryBytesInMemory < 0) {
        throw new IllegalArgumentException(
            "segmentBytes >= 4096, snapshotsKept >= 1 and entryBytesInMemory >= 0");
      }
    }

    public Options(
        long segmentBytes, int snapshotsKept, Executor preallocator, long entryBytesInMemory) {
      this(segmentBytes, snapshotsKept, preallocator, entryBytesInMemory, null);
    }

    public Options(long segmentBytes, int snapshotsKept, Executor preallocator) {
      this(segmentBytes, snapshotsKept, preallocator, ENTRY_BYTES_IN_MEMORY);
    }

    /** Options that preallocate each segment when it is needed (no background work). */
    public Options(long segmentBytes, int snapshotsKept) {
      this(segmentBytes, snapshotsKept, null);
    }

    public static Options defaults() {
      return new Options(64L << 20, 3);
    }

    /**
     * The same options, preallocating the next segment on {@code executor} (a background thread the
     * caller owns) while the current one fills; see {@link WalWriter}.
     */
    public Options withPreallocator(Executor executor) {
      return new Options(segmentBytes, snapshotsKept, executor, entryBytesInMemory, snapshotWriter);
    }

    /**
     * The same options, writing the files of the snapshots the replica takes on {@code executor} (a
     * background thread the caller owns), so the replica goes on while a large file is written and
     * synced. The snapshot becomes durable later; until it is, compaction waits (see {@link
     * FileLogStore#saveSnapshot}).
     */
    public Options withSnapshotWriter(Executor executor) {
      return new Options(segmentBytes, snapshotsKept, preallocator, entryBytesInMemory, executor);
    }

    /** The same options, keeping {@code bytes} of the newest entries' payloads in memory. */
    public Options withEntryBytesInMemory(long bytes) {
      return new Options(segmentBytes, snapshotsKept, preallocator, bytes, snapshotWriter);
    }
  }

  private FileLogStore(
      Disk disk,
      long groupId,
      Options options,
      MemoryLogStore memory,
      WalWriter wal,
      SnapshotFiles snapshots,
      AutoCloseable dirLock,
      List<String> recoveryNotes,
      EntryLocations locations) {
    this.disk = disk;
    this.groupId = groupId;
    this.locations = locations;
    this.spilledEnd = memory.firstIndex();
    for (long i = memory.firstIndex(); i <= memory.lastIndex(); i++) {
      bytesInMemory += memory.entry(i).data().size();
    }
    this.options = options;
    this.memory = memory;
    this.wal = wal;
    this.snapshots = snapshots;
    this.dirLock = dirLock;
    this.recoveryNotes = recoveryNotes;
  }

  /**
   * Opens (creating if needed) the store of Raft group {@code groupId} in {@code dir}.
   *
   * @throws CorruptionException if the directory holds damaged data
   * @throws StorageException on an IO error, or if another process has the directory open
   */
  public static FileLogStore open(Disk disk, Path dir, long groupId, Options options) {
    createDurably(disk, dir);
    AutoCloseable lock = disk.lock(dir.resolve("LOCK"));
    try {
      Path walDir = dir.resolve("wal");
      Path snapDir = dir.resolve("snap");
      boolean fresh = !disk.exists(walDir);
      disk.createDirectories(walDir);
      disk.createDirectories(snapDir);
      if (fresh) {
        disk.syncDirectory(dir);
      }
      SnapshotFiles snapshots = new SnapshotFiles(disk, snapDir, groupId);
      snapshots.removeTemporaries();
      // A spare segment being preallocated when the process died holds nothing: drop it.
      disk.delete(walDir.resolve(WalWriter.SPARE_NAME));
      Snapshot snapshot = snapshots.loadNewest();
      Recovery r = new Recovery(groupId);
      WalReader.Result read = WalReader.read(disk, walDir, true, r);
      MemoryLogStore memory = r.build(withoutData(snapshot), walDir);
      WalWriter wal =
          read.segments().isEmpty()
              ? WalWriter.create(disk, walDir, options.segmentBytes(), options.preallocator())
              : WalWriter.resume(
                  disk,
                  walDir,
                  options.segmentBytes(),
                  read.segments(),
                  read.lastSegmentEnd(),
                  memory.lastIndex() + 1,
                  r.hardStates(),
                  r.snapshotRecords(),
                  r.segmentLastIndexes,
                  options.preallocator());
      List<String> notes = new ArrayList<>(read.notes());
      if (r.logBehindSnapshot) {
        // The newest snapshot file is newer than what the log holds (its record was never synced):
        // the log must say it replaced the log, or entries appended after it would seem to follow
        // the old entries on the next recovery, leaving a gap or being dropped as unvouched.
        SnapshotMeta m = snapshot.meta();
        wal.sync(wal.append(List.of(new SnapshotRecord(groupId, m.index(), m.term(), true))));
        notes.add(
            "the log does not lead up to the newest snapshot "
                + m.index()
                + "/"
                + m.term()
                + ": restarted the log after it");
      }
      FileLogStore store =
          new FileLogStore(
              disk,
              groupId,
              options,
              memory,
              wal,
              snapshots,
              lock,
              List.copyOf(notes),
              r.locations(memory.firstIndex(), memory.lastIndex()));
      store.spill();
      store.openedSnapshot = snapshot;
      return store;
    } catch (RuntimeException e) {
      closeQuietly(lock, e);
      throw e;
    }
  }

  /**
   * Creates {@code dir} and its missing parents so that they survive a crash: a new directory's
   * name is durable only once its parent is synced, and without it every synced write in the store
   * would vanish with the directory.
   */
  private static void createDurably(Disk disk, Path dir) {
    List<Path> missing = new ArrayList<>();
    for (Path p = dir.toAbsolutePath(); p != null && !disk.exists(p); p = p.getParent()) {
      missing.add(0, p);
    }
    disk.createDirectories(dir);
    for (Path created : missing) {
      disk.syncDirectory(created.getParent());
    }
  }

  /** Opens {@code dir} on the real file system. */
  public static FileLogStore open(Path dir, long groupId, Options options) {
    return open(RealDisk.INSTANCE, dir, groupId, options);
  }

  private static void closeQuietly(AutoCloseable c, RuntimeException primary) {
    try {
      c.close();
    } catch (Exception e) {
      primary.addSuppressed(e);
    }
  }

  /**
   * What recovery had to repair (a torn tail cut off, an empty last segment removed, the log
   * restarted after a newer snapshot), one line each; empty after a clean shutdown.
   */
  public List<String> recoveryNotes() {
    return recoveryNotes;
  }

  /** Entries read back from the log because their payload had left memory (for statistics). */
  public long entriesReadBack() {
    return entriesReadBack;
  }

  /** The payload bytes of the entries held in memory now. */
  public long entryBytesInMemory() {
    return bytesInMemory;
  }

  /** The write-ahead log underneath, for statistics. */
  public WalWriter wal() {
    return wal;
  }

  // ------------------------------------------------------------------ queries

  @Override
  public HardState hardState() {
    checkUsable();
    return memory.hardState();
  }

  @Override
  public SnapshotMeta snapshotMeta() {
    checkUsable();
    return memory.snapshotMeta();
  }

  @Override
  public Snapshot snapshot() {
    checkUsable();
    finishSnapshotIfWritten();
    if (pending != null) {
      return awaitSnapshotWrite(); // the leader wants it for a member, so it waits for it
    }
    Snapshot inMemory = memory.snapshot();
    Snapshot opened = openedSnapshot;
    openedSnapshot = null;
    if (inMemory.index() == 0) {
      return inMemory; // none, or the founding membership only: no data
    }
    if (opened != null && opened.meta().equals(inMemory.meta())) {
      return opened;
    }
    SnapshotMeta m = inMemory.meta();
    try {
      Snapshot read = snapshots.read(m.term(), m.index());
      if (!read.meta().equals(m)) {
        throw new CorruptionException(
            snapshots.path(m.term(), m.index()), 0, "holds " + read.meta() + ", expected " + m);
      }
      return read;
    } catch (StorageException e) {
      failure = e;
      throw e;
    }
  }

  /** Memory keeps a snapshot's metadata only; the data is in its file. */
  private static Snapshot withoutData(Snapshot s) {
    return s.data().isEmpty() ? s : new Snapshot(s.meta(), Bytes.EMPTY);
  }

  @Override
  public long firstIndex() {
    checkUsable();
    return memory.firstIndex();
  }

  @Override
  public long lastIndex() {
    checkUsable();
    return memory.lastIndex();
  }

  @Override
  public long term(long index) {
    checkUsable();
    return memory.term(index);
  }

  @Override
  public List<Entry> entries(long from, long toExclusive, long bytesMax) {
    checkUsable();
    if (from >= spilledEnd) {
      return memory.entries(from, toExclusive, bytesMax);
    }
    Assert.that(
        from >= memory.firstIndex() && from <= toExclusive && toExclusive <= lastIndex() + 1,
        "entries(%d, %d) outside [%d, %d]",
        from,
        toExclusive,
        memory.firstIndex(),
        lastIndex() + 1);
    List<Entry> out = new ArrayList<>();
    long bytes = 0;
    try (SegmentReads reads = new SegmentReads()) {
      for (long i = from; i < toExclusive; i++) {
        boolean spilled = i < spilledEnd;
        bytes += spilled ? locations.get(i).sizeBytes() : memory.entry(i).sizeBytes();
        if (!out.isEmpty() && bytes > bytesMax) {
          break;
        }
        out.add(spilled ? readSpilled(i, reads) : memory.entry(i));
      }
    } catch (StorageException e) {
      failure = e;
      throw e;
    }
    return out;
  }

  /**
   * The segment files one {@link #entries} call reads from, each opened once: a follower catching
   * up asks for thousands of consecutive entries, which lie in one or two segments.
   */
  private final class SegmentReads implements AutoCloseable {
    private Path path;
    private DiskFile file;

    DiskFile open(Path segment) {
      if (!segment.equals(path)) {
        close();
        file = disk.open(segment, false);
        path = segment;
      }
      return file;
    }

    @Override
    public void close() {
      if (file != null) {
        file.close();
        file = null;
        path = null;
      }
    }
  }

  /** Reads the entry at {@code index} back from the log; a record that is not it is corruption. */
  private Entry readSpilled(long index, SegmentReads reads) {
    EntryLocations.Location at = locations.get(index);
    ByteBuffer buf = ByteBuffer.allocate(at.recordBytes());
    reads.open(at.segment()).read(buf, at.offset());
    buf.flip();
    WalCodec.Decoded d = WalCodec.decode(buf);
    Entry stub = memory.entry(index);
    if (d instanceof WalCodec.Decoded.Valid v
        && v.record() instanceof EntryRecord r
        && r.groupId() == groupId
        && r.entry().index() == index
        && r.entry().term() == stub.term()) {
      entriesReadBack++;
      return r.entry();
    }
    String found =
        d instanceof WalCodec.Decoded.Invalid bad
            ? bad.reason()
            : d instanceof WalCodec.Decoded.Valid v && v.record() instanceof EntryRecord r
                ? "entry " + r.entry().index() + "/" + r.entry().term() + " of group " + r.groupId()
                : "another kind of record";
    throw new CorruptionException( // entries() makes the store fail-stop
        at.segment(),
        at.offset(),
        "expected entry " + index + "/" + stub.term() + " of group " + groupId + ": " + found);
  }

  /**
   * Replaces the oldest payloads in memory by stand-ins until at most {@link
   * Options#entryBytesInMemory()} bytes remain; their records are in the log already.
   */
  private void spill() {
    long last = memory.lastIndex();
    while (bytesInMemory > options.entryBytesInMemory() && spilledEnd <= last) {
      Entry e = memory.entry(spilledEnd);
      memory.replace(new Entry(e.term(), e.index(), e.type(), Bytes.EMPTY));
      bytesInMemory -= e.data().size();
      spilledEnd++;
    }
  }

  /** Forgets the payloads in memory of the entries from {@code index} on, about to be dropped. */
  private void forgetFrom(long index) {
    for (long i = Math.max(index, spilledEnd); i <= memory.lastIndex(); i++) {
      bytesInMemory -= memory.entry(i).data().size();
    }
    spilledEnd = Math.min(spilledEnd, Math.max(index, memory.firstIndex()));
  }

  // ------------------------------------------------------------------ writes

  @Override
  public void append(List<Entry> entries) {
    checkUsable();
    finishSnapshotIfWritten();
    if (entries.isEmpty()) {
      return;
    }
    long first = entries.get(0).index();
    if (first <= memory.lastIndex()) {
      forgetFrom(first);
    }
    memory.append(entries);
    List<WalRecord> records = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      records.add(new EntryRecord(groupId, e));
      bytesInMemory += e.data().size();
    }
    failStop(
        () -> {
          WalWriter.Appended at = wal.appendLocated(records);
          lastTicket = at.ticket();
          long offset = at.offset();
          for (int i = 0; i < records.size(); i++) {
            int recordBytes = WalCodec.encodedSize(records.get(i));
            Entry e = entries.get(i);
            locations.put(
                e.index(),
                new EntryLocations.Location(at.segment(), offset, recordBytes, e.sizeBytes()));
            offset += recordBytes;
          }
        });
    spill();
  }

  @Override
  public void setHardState(HardState state) {
    checkUsable();
    finishSnapshotIfWritten();
    memory.setHardState(state);
    failStop(() -> lastTicket = wal.append(List.of(new HardStateRecord(groupId, state))));
  }

  @Override
  public void installSnapshot(Snapshot snapshot) {
    checkUsable();
    awaitSnapshotWrite();
    memory.installSnapshot(withoutData(snapshot));
    openedSnapshot = null;
    locations.reset(snapshot.index() + 1);
    spilledEnd = snapshot.index() + 1;
    bytesInMemory = 0;
    SnapshotMeta m = snapshot.meta();
    failStop(
        () -> {
          snapshots.write(snapshot);
          lastTicket = wal.append(List.of(new SnapshotRecord(groupId, m.index(), m.term(), true)));
          snapshots.prune(options.snapshotsKept());
        });
  }

  /**
   * {@inheritDoc}
   *
   * <p>With a {@link Options#snapshotWriter()} the file is written and synced there and this
   * returns at once: the snapshot counts (for {@link #snapshotMeta()} and {@link #snapshot()}) but
   * is not durable yet. Until it is, {@link #compact} only notes how far to compact, and the log's
   * record of the snapshot waits, so a crash meanwhile recovers the previous snapshot and every
   * entry after it. The first call after the file is synced records it and compacts; {@link
   * #close()} waits for it. Without a writer the snapshot is durable when this returns.
   */
  @Override
  public void saveSnapshot(long index, ConfState confState, Bytes data) {
    saveSnapshot(index, confState, () -> data);
  }

  /**
   * {@inheritDoc}
   *
   * <p>With a {@link Options#snapshotWriter()}, {@code image} is called there, so the image is
   * built off the caller's thread too; {@link #snapshot()} waits for it if asked meanwhile.
   */
  @Override
  public void saveSnapshot(long index, ConfState confState, Supplier<Bytes> image) {
    checkUsable();
    awaitSnapshotWrite();
    memory.saveSnapshot(index, confState, Bytes.EMPTY);
    openedSnapshot = null;
    SnapshotMeta meta = memory.snapshotMeta();
    Executor writer = options.snapshotWriter();
    if (writer == null) {
      Snapshot s = new Snapshot(meta, image.get());
      failStop(() -> snapshots.write(s));
      recordSnapshot(meta);
      return;
    }
    pending =
        new PendingSnapshot(
            meta,
            CompletableFuture.supplyAsync(
                () -> {
                  Snapshot s = new Snapshot(meta, image.get());
                  snapshots.write(s);
                  return s;
                },
                writer));
  }

  /** The snapshot's file is durable: the log records it, and older files go. */
  private void recordSnapshot(SnapshotMeta s) {
    failStop(
        () -> {
          lastTicket = wal.append(List.of(new SnapshotRecord(groupId, s.index(), s.term(), false)));
          snapshots.prune(options.snapshotsKept());
        });
  }

  /**
   * Waits until the snapshot last saved is durable and recorded, and the compaction it held back is
   * done (at once without a {@link Options#snapshotWriter()}).
   */
  public void awaitSnapshotDurable() {
    checkUsable();
    awaitSnapshotWrite();
  }

  /** Records the pending snapshot and runs the compaction it held back, if its file is written. */
  private void finishSnapshotIfWritten() {
    if (pending != null && pending.written().isDone()) {
      awaitSnapshotWrite();
    }
  }

  /**
   * Waits until the pending snapshot's file is written, then records it and compacts; returns the
   * snapshot, or null if none was pending.
   */
  private Snapshot awaitSnapshotWrite() {
    PendingSnapshot p = pending;
    if (p == null) {
      return null;
    }
    pending = null;
    Snapshot written;
    try {
      written = p.written().join();
    } catch (CompletionException e) {
      failure =
          e.getCause() instanceof StorageException se
              ? se
              : new StorageException("cannot write snapshot " + p.meta(), e.getCause());
      throw failure;
    }
    recordSnapshot(written.meta());
    if (deferredCompaction >= 0) {
      long index = deferredCompaction;
      deferredCompaction = -1;
      compact(index);
    }
    return written;
  }

  @Override
  public void compact(long index) {
    checkUsable();
    finishSnapshotIfWritten();
    if (index < memory.firstIndex()) {
      return;
    }
    if (pending != null) {
      // The entries must outlive the write: until the snapshot is durable, they are its backup.
      deferredCompaction = Math.max(deferredCompaction, index);
      return;
    }
    for (long i = spilledEnd; i <= Math.min(index, memory.lastIndex()); i++) {
      bytesInMemory -= memory.entry(i).data().size();
    }
    memory.compact(index);
    locations.dropThrough(index);
    spilledEnd = Math.max(spilledEnd, index + 1);
    failStop(
        () -> {
          lastTicket = wal.append(List.of(new CompactRecord(groupId, index, memory.term(index))));
          wal.releaseUpTo(Math.min(index, memory.snapshotMeta().index()));
        });
  }

  @Override
  public void sync() {
    checkUsable();
    finishSnapshotIfWritten();
    failStop(() -> wal.sync(lastTicket));
  }

  /**
   * Runs a write; if the disk fails, the store is broken for good: the memory image may already
   * hold what the disk does not, so every later call throws (the replica restarts from disk).
   */
  private void failStop(Runnable write) {
    try {
      write.run();
    } catch (StorageException e) {
      failure = e;
      throw e;
    }
  }

  private void checkUsable() {
    if (failure != null) {
      throw new StorageException("the store failed earlier; restart the replica", failure);
    }
  }

  @Override
  public void close() {
    RuntimeException failure = null;
    if (pending != null && this.failure == null) {
      try {
        awaitSnapshotWrite(); // a snapshot being written is finished and recorded first
        sync();
      } catch (StorageException e) {
        failure = e;
      }
    } else if (pending != null) {
      // Broken store: nothing is recorded, but no write may outlive the directory lock.
      pending.written().exceptionally(e -> null).join();
    }
    try {
      wal.close();
    } catch (RuntimeException e) {
      failure = e;
    }
    try {
      dirLock.close();
    } catch (Exception e) {
      StorageException s = new StorageException("cannot release the data directory lock", e);
      if (failure != null) {
        failure.addSuppressed(s);
      } else {
        failure = s;
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * Rebuilds the log from the records of one group, in log order. Entries replace any suffix they
   * conflict with; an installed snapshot replaces the whole log. The result must line up with the
   * newest snapshot file: a gap between them is corruption.
   */
  private static final class Recovery implements Consumer<WalReader.Located> {
    private final long groupId;
    private final List<Entry> entries = new ArrayList<>();

    /** Where each of {@link #entries} was read, in the same order. */
    private final List<EntryLocations.Location> entryLocations = new ArrayList<>();

    private HardStateRecord hardState;
    private SnapshotRecord lastSnapshotRecord;
    private long snapshotBoundary = -1;
    private CompactRecord compacted;

    /**
     * Terms the log vouches for at indexes whose entries may be gone: snapshot and compaction
     * records written while the log held those entries. Cleared when a snapshot replaces the log.
     */
    private final java.util.TreeMap<Long, Long> knownTerms = new java.util.TreeMap<>();

    final List<Long> segmentLastIndexes = new ArrayList<>();
    private Path currentFile;

    /** Set by {@link #build} when the log does not vouch for the newest snapshot and is dropped. */
    boolean logBehindSnapshot;

    Recovery(long groupId) {
      this.groupId = groupId;
    }

    @Override
    public void accept(WalReader.Located at) {
      if (!at.file().equals(currentFile)) {
        currentFile = at.file();
        segmentLastIndexes.add(0L);
      }
      WalRecord r = at.record();
      if (r instanceof EntryRecord e && e.groupId() == groupId) {
        onEntry(at, e.entry());
        int last = segmentLastIndexes.size() - 1;
        segmentLastIndexes.set(last, Math.max(segmentLastIndexes.get(last), e.entry().index()));
      } else if (r instanceof HardStateRecord h && h.groupId() == groupId) {
        hardState = h;
      } else if (r instanceof SnapshotRecord s && s.groupId() == groupId) {
        lastSnapshotRecord = s;
        if (s.installed()) {
          entries.clear();
          entryLocations.clear();
          knownTerms.clear();
          snapshotBoundary = s.index();
          compacted = null;
        }
        knownTerms.put(s.index(), s.term());
      } else if (r instanceof CompactRecord c && c.groupId() == groupId) {
        compacted = c;
        knownTerms.put(c.index(), c.term());
      }
    }

    private void onEntry(WalReader.Located at, Entry e) {
      if (entries.isEmpty()) {
        if (snapshotBoundary >= 0 && e.index() != snapshotBoundary + 1) {
          throw new CorruptionException(
              at.file(),
              at.offset(),
              "entry " + e.index() + " does not follow the snapshot at " + snapshotBoundary);
        }
        entries.add(e);
        entryLocations.add(locationOf(at, e));
        return;
      }
      long base = entries.get(0).index();
      long last = entries.get(entries.size() - 1).index();
      if (e.index() > last + 1) {
        throw new CorruptionException(
            at.file(), at.offset(), "entry " + e.index() + " leaves a gap after entry " + last);
      }
      if (e.index() < base) {
        entries.clear();
        entryLocations.clear();
      } else {
        while (!entries.isEmpty() && entries.get(entries.size() - 1).index() >= e.index()) {
          entries.remove(entries.size() - 1);
          entryLocations.remove(entryLocations.size() - 1);
        }
      }
      entries.add(e);
      entryLocations.add(locationOf(at, e));
    }

    private static EntryLocations.Location locationOf(WalReader.Located at, Entry e) {
      return new EntryLocations.Location(at.file(), at.offset(), at.bytes(), e.sizeBytes());
    }

    /** The locations of the entries {@code first .. last}, all of which were read. */
    EntryLocations locations(long first, long last) {
      EntryLocations out = new EntryLocations(first);
      for (int i = 0; i < entries.size(); i++) {
        long index = entries.get(i).index();
        if (index >= first && index <= last) {
          out.put(index, entryLocations.get(i));
        }
      }
      Assert.that(out.end() == last + 1, "recovered entries %d..%d not all located", first, last);
      return out;
    }

    List<HardStateRecord> hardStates() {
      return hardState == null ? List.of() : List.of(hardState);
    }

    List<SnapshotRecord> snapshotRecords() {
      return lastSnapshotRecord == null ? List.of() : List.of(lastSnapshotRecord);
    }

    /**
     * The in-memory store: the newest snapshot, the log compacted where it was last compacted (or
     * at the snapshot, if the entries there are gone), then the entries that follow.
     */
    MemoryLogStore build(Snapshot snapshot, Path walDir) {
      HardState hs = hardState == null ? HardState.EMPTY : hardState.state();
      MemoryLogStore store;
      if (snapshot.isEmpty()) {
        if (snapshotBoundary > 0) {
          throw new CorruptionException(
              walDir,
              0,
              "the log records a snapshot at " + snapshotBoundary + " whose file is missing");
        }
        if (!entries.isEmpty() && entries.get(0).index() != 1) {
          throw new CorruptionException(
              walDir,
              0,
              "the log starts at entry " + entries.get(0).index() + " but there is no snapshot");
        }
        store = MemoryLogStore.restored(snapshot, 0, 0, entries, HardState.EMPTY);
      } else {
        store = withSnapshot(snapshot);
      }
      if (hs.commit() > store.lastIndex()) {
        throw new CorruptionException(
            walDir,
            0,
            "the hard state commits entry "
                + hs.commit()
                + " but the log ends at "
                + store.lastIndex());
      }
      store.setHardState(hs);
      return store;
    }

    private MemoryLogStore withSnapshot(Snapshot snapshot) {
      List<Entry> after = entriesAfter(snapshot);
      if (after.isEmpty() && !logAgrees(snapshot)) {
        logBehindSnapshot = true;
        return MemoryLogStore.restored(
            snapshot, snapshot.index(), snapshot.term(), List.of(), HardState.EMPTY);
      }
      // Keep the entries between the last compaction point and the snapshot, if all are here.
      long point =
          compacted != null ? Math.min(compacted.index(), snapshot.index()) : snapshot.index();
      point = Math.max(point, snapshotBoundary);
      long pointTerm = termAt(point, snapshot);
      if (pointTerm < 0) {
        point = snapshot.index();
        pointTerm = snapshot.term();
      }
      List<Entry> kept = new ArrayList<>();
      for (Entry e : entries) {
        if (e.index() > point) {
          kept.add(e);
        }
      }
      if (!kept.isEmpty() && kept.get(0).index() != point + 1) {
        return MemoryLogStore.restored(
            snapshot, snapshot.index(), snapshot.term(), after, HardState.EMPTY);
      }
      return MemoryLogStore.restored(snapshot, point, pointTerm, kept, HardState.EMPTY);
    }

    /** The term of the entry at {@code index} as far as recovery knows it, or -1. */
    private long termAt(long index, Snapshot snapshot) {
      if (index == snapshot.index()) {
        return snapshot.term();
      }
      if (knownTerms.containsKey(index)) {
        return knownTerms.get(index);
      }
      for (Entry e : entries) {
        if (e.index() == index) {
          return e.term();
        }
      }
      return -1;
    }

    private boolean logAgrees(Snapshot snapshot) {
      long index = snapshot.index();
      return Long.valueOf(snapshot.term()).equals(knownTerms.get(index))
          || entries.stream().anyMatch(e -> e.index() == index && e.term() == snapshot.term());
    }

    /** The entries after {@code snapshot}, if the log agrees with it; none if it does not. */
    private List<Entry> entriesAfter(Snapshot snapshot) {
      long index = snapshot.index();
      if (snapshotBoundary > index) {
        throw new CorruptionException(
            Path.of("snap"),
            0,
            "the log records a snapshot at "
                + snapshotBoundary
                + " but the newest snapshot file is at "
                + index);
      }
      List<Entry> out = new ArrayList<>();
      if (!logAgrees(snapshot)) {
        // An installed snapshot whose record did not reach the log: the older suffix may conflict.
        return out;
      }
      for (Entry e : entries) {
        if (e.index() > index) {
          out.add(e);
        }
      }
      if (!out.isEmpty() && out.get(0).index() != index + 1) {
        throw new CorruptionException(
            Path.of("wal"),
            0,
            "entries "
                + (index + 1)
                + ".."
                + (out.get(0).index() - 1)
                + " after the snapshot are missing");
      }
      return out;
    }
  }
}
