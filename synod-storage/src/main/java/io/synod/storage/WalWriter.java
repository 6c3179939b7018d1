package io.synod.storage;

import io.synod.storage.WalRecord.EntryRecord;
import io.synod.storage.WalRecord.HardStateRecord;
import io.synod.storage.WalRecord.SegmentHeader;
import io.synod.storage.WalRecord.SnapshotRecord;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Appends records to the segmented write-ahead log, with group commit.
 *
 * <pre>
 *   append(records) ──▶ encode, write at the end of the current segment ──▶ ticket (bytes so far)
 *   sync(ticket)    ──▶ already synced?  return
 *                       another sync running?  wait for it, then look again
 *                       else: force every unsynced segment once (and the directory if a segment
 *                             was created), outside the lock, for everything appended so far
 * </pre>
 *
 * Appends never wait for an fsync, except the one that seals a full segment: they only take the
 * lock to write into the page cache, and a sync runs with the lock released. Every append that
 * lands before a sync starts rides on it, so under load the number of records per fsync grows with
 * the number of appenders.
 *
 * <p>Segments are preallocated with zeros (so an fsync of an append rarely changes file metadata)
 * and begin with a header, then the latest hard state and snapshot record of every group (the
 * snapshot record repeated as not installed), so an old segment can be deleted once a snapshot
 * covers its entries. A segment is synced when it is sealed, before the next one is written, so
 * only the last segment ever holds unsynced records. A failed write or fsync breaks the writer for
 * good: every later call throws (fail-stop).
 *
 * <p>Thread-safe.
 */
public final class WalWriter implements AutoCloseable {
  private static final int END_MARKER_BYTES = WalCodec.HEADER_BYTES;

  private final Disk disk;
  private final Path dir;
  private final long segmentBytes;
  private final Executor preallocator;

  /** Guards the segments and what has been written: held only to write into the page cache. */
  private final ReentrantLock lock = new ReentrantLock();

  /** Whether an fsync is running; whoever sets it runs the fsync. */
  private final AtomicBoolean syncing = new AtomicBoolean();

  /** Threads waiting for their ticket to become durable. */
  private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();

  /** A thread parked in {@link #sync} until {@code ticket} is durable. */
  private record Waiter(long ticket, Thread thread) {}

  // Guarded by lock.
  private Segment current;
  private final ArrayDeque<Segment> sealed = new ArrayDeque<>();
  private final List<Segment> unsynced = new ArrayList<>();
  private boolean directoryDirty;
  private volatile long appendedBytes;
  private long nextIndex = 1;
  private final TreeMap<Long, HardStateRecord> lastHardState = new TreeMap<>();
  private final TreeMap<Long, SnapshotRecord> lastSnapshot = new TreeMap<>();
  private long records;

  /** The next segment's file, being preallocated in the background; null if none. */
  private CompletableFuture<Path> spare;

  private volatile long syncedBytes;
  private final AtomicLong syncs = new AtomicLong();

  private volatile StorageException failure;

  /** An open segment and what it holds. */
  private static final class Segment {
    final SegmentName name;
    final DiskFile file;

    /** Where the segment's file is (made once: formatting the name costs more than an append). */
    final Path path;

    long writeOffset;

    /** The highest entry index in this segment, or 0. */
    long lastIndex;

    /** The writer's byte count once this segment's preamble was written. */
    long preambleEndBytes;

    /** Where this segment's preamble ends in the file. */
    long preambleEndOffset;

    Segment(SegmentName name, Path path, DiskFile file) {
      this.name = name;
      this.path = path;
      this.file = file;
    }
  }

  private WalWriter(Disk disk, Path dir, long segmentBytes, Executor preallocator) {
    this.disk = disk;
    this.dir = dir;
    this.segmentBytes = segmentBytes;
    this.preallocator = preallocator;
  }

  /**
   * Starts a new log in the empty directory {@code dir}, preallocating each segment when needed.
   */
  public static WalWriter create(Disk disk, Path dir, long segmentBytes) {
    return create(disk, dir, segmentBytes, null);
  }

  /**
   * Starts a new log in the empty directory {@code dir}. The next segment is preallocated (filled
   * with zeros and synced) on {@code preallocator} while the current one fills, so starting a
   * segment is a rename rather than tens of megabytes of writes under the append lock. A null
   * {@code preallocator} preallocates each segment when it is needed instead.
   */
  public static WalWriter create(Disk disk, Path dir, long segmentBytes, Executor preallocator) {
    WalWriter w = new WalWriter(disk, dir, segmentBytes, preallocator);
    w.lock.lock();
    try {
      w.openSegment(new SegmentName(1, 1));
    } finally {
      w.lock.unlock();
    }
    return w;
  }

  /**
   * Continues the log that recovery read: appends go to the last segment at {@code endOffset}.
   * {@code state} is what recovery found, carried into the preamble of the next segment.
   */
  static WalWriter resume(
      Disk disk,
      Path dir,
      long segmentBytes,
      List<SegmentName> segments,
      long endOffset,
      long nextIndex,
      List<HardStateRecord> hardStates,
      List<SnapshotRecord> snapshots,
      List<Long> lastIndexes,
      Executor preallocator) {
    WalWriter w = new WalWriter(disk, dir, segmentBytes, preallocator);
    w.lock.lock();
    try {
      for (int i = 0; i < segments.size(); i++) {
        SegmentName name = segments.get(i);
        boolean isLast = i == segments.size() - 1;
        Path path = dir.resolve(name.fileName());
        Segment s = new Segment(name, path, isLast ? disk.open(path, false) : null);
        s.lastIndex = lastIndexes.get(i);
        if (isLast) {
          s.writeOffset = endOffset;
          // Where its preamble ends is not known; taking the end of its records for it would keep
          // the first append after a restart from sealing a full segment.
          s.preambleEndOffset = 0;
          w.current = s;
          // What recovery read may still sit only in the page cache: make it durable first.
          s.file.force();
          disk.syncDirectory(dir);
        } else {
          w.sealed.add(s);
        }
      }
      w.nextIndex = nextIndex;
      hardStates.forEach(h -> w.lastHardState.put(h.groupId(), h));
      snapshots.forEach(s -> w.lastSnapshot.put(s.groupId(), s));
      w.prepareSpare();
    } finally {
      w.lock.unlock();
    }
    return w;
  }

  /** Writes {@code batch} at the end of the log; returns the ticket to pass to {@link #sync}. */
  public long append(List<WalRecord> batch) {
    if (batch.isEmpty()) {
      lock.lock();
      try {
        return appendedBytes;
      } finally {
        lock.unlock();
      }
    }
    return appendLocated(batch).ticket();
  }

  /**
   * Where a batch went: its records lie one after another from {@code offset} in {@code segment}
   * (each {@link WalCodec#encodedSize} long), and {@code ticket} is what {@link #sync} takes.
   */
  public record Appended(long ticket, Path segment, long offset) {}

  /**
   * Writes the non-empty {@code batch} at the end of the log, as {@link #append} does, and tells
   * where, so that its records can be read back from the segment file later (they are there, in the
   * page cache or on disk, until the segment is released).
   */
  public Appended appendLocated(List<WalRecord> batch) {
    if (batch.isEmpty()) {
      throw new IllegalArgumentException("empty batch");
    }
    int size = 0;
    for (WalRecord r : batch) {
      size += WalCodec.encodedSize(r);
    }
    ByteBuffer buf = ByteBuffer.allocate(size);
    for (WalRecord r : batch) {
      WalCodec.encode(r, buf);
    }
    buf.flip();
    lock.lock();
    try {
      checkUsable();
      // A batch larger than a whole segment goes into one segment that grows past its size.
      if (current.writeOffset + size + END_MARKER_BYTES > segmentBytes
          && current.writeOffset > current.preambleEndOffset) {
        cut();
      }
      long offset = current.writeOffset;
      write(buf, batch);
      return new Appended(appendedBytes, current.path, offset);
    } catch (StorageException e) {
      failure = e;
      throw e;
    } finally {
      lock.unlock();
    }
  }

  private void write(ByteBuffer buf, List<WalRecord> batch) {
    int size = buf.remaining();
    current.file.write(buf, current.writeOffset);
    current.writeOffset += size;
    appendedBytes += size;
    records += batch.size();
    if (!unsynced.contains(current)) {
      unsynced.add(current);
    }
    for (WalRecord r : batch) {
      if (r instanceof EntryRecord e) {
        current.lastIndex = Math.max(current.lastIndex, e.entry().index());
        nextIndex = e.entry().index() + 1;
      } else if (r instanceof HardStateRecord h) {
        lastHardState.put(h.groupId(), h);
      } else if (r instanceof SnapshotRecord s) {
        lastSnapshot.put(s.groupId(), s);
        if (s.installed()) {
          nextIndex = s.index() + 1;
        }
      }
    }
  }

  /**
   * Seals the current segment and starts the next one. The sealed segment is synced first: files
   * reach the disk independently, so otherwise a crash could keep the new segment's records and
   * lose the end of the old one, a hole recovery cannot tell from damage. This is the one fsync an
   * append waits for, once per segment.
   */
  private void cut() {
    Segment old = current;
    old.file.force();
    sealed.add(old);
    openSegment(new SegmentName(old.name.sequence() + 1, nextIndex));
  }

  private void openSegment(SegmentName name) {
    Path path = dir.resolve(name.fileName());
    DiskFile file;
    if (spare != null) {
      // Usually done long ago; if not, waiting for it is no slower than preallocating here.
      disk.rename(awaitSpare(), path);
      spare = null;
      file = disk.open(path, false);
    } else {
      file = disk.open(path, true);
      file.truncate(segmentBytes);
    }
    current = new Segment(name, path, file);
    directoryDirty = true;
    List<WalRecord> preamble = new ArrayList<>();
    preamble.add(new SegmentHeader(name.sequence(), name.firstIndex()));
    preamble.addAll(lastHardState.values());
    // A repeat only vouches for the snapshot's term: replaying it as installed would drop the
    // entries that follow the snapshot in the earlier segments.
    lastSnapshot
        .values()
        .forEach(s -> preamble.add(new SnapshotRecord(s.groupId(), s.index(), s.term(), false)));
    int size = 0;
    for (WalRecord r : preamble) {
      size += WalCodec.encodedSize(r);
    }
    ByteBuffer buf = ByteBuffer.allocate(size);
    preamble.forEach(r -> WalCodec.encode(r, buf));
    buf.flip();
    write(buf, List.of());
    current.preambleEndBytes = appendedBytes;
    current.preambleEndOffset = current.writeOffset;
    prepareSpare();
  }

  private Path awaitSpare() {
    try {
      return spare.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof StorageException se) {
        throw se;
      }
      throw new StorageException("cannot preallocate the next segment", e.getCause());
    }
  }

  /** The name a preallocated spare segment has until it becomes the next segment. */
  static final String SPARE_NAME = "spare-segment.tmp";

  /** Starts preallocating the next segment's file, so a roll only renames it. */
  private void prepareSpare() {
    if (preallocator == null) {
      return;
    }
    Path tmp = dir.resolve(SPARE_NAME);
    spare =
        CompletableFuture.supplyAsync(
            () -> {
              try (DiskFile f = disk.open(tmp, true)) {
                f.truncate(0);
                f.truncate(segmentBytes);
                f.force();
              }
              return tmp;
            },
            preallocator);
  }

  /**
   * Returns once everything appended up to {@code ticket} is durable. At most one fsync runs at a
   * time, for everything appended when it starts. A caller the running fsync does not cover parks;
   * when it ends, the syncing thread wakes the callers it covered and exactly one of the others,
   * who runs the next fsync for all of them. No lock is taken to wait or to wake up.
   */
  public void sync(long ticket) {
    Waiter me = null;
    // The wait cannot be abandoned halfway (the caller must learn whether its data is durable), so
    // an interrupt is remembered and restored rather than acted on.
    boolean interrupted = false;
    try {
      while (syncedBytes < ticket) {
        checkUsable();
        if (!syncing.get() && syncing.compareAndSet(false, true)) {
          runSync();
          continue;
        }
        if (me == null) {
          // Queue first, then look again before parking: a sync that ended in between wakes us.
          me = new Waiter(ticket, Thread.currentThread());
          waiters.add(me);
          continue;
        }
        LockSupport.park(this);
        interrupted |= Thread.interrupted();
      }
    } finally {
      if (me != null) {
        waiters.remove(me);
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Runs one fsync for everything appended so far; the caller has set {@code syncing}. */
  private void runSync() {
    long target;
    List<Segment> toForce;
    boolean syncDirectory;
    try {
      lock.lock();
      try {
        target = appendedBytes;
        toForce = new ArrayList<>(unsynced);
        unsynced.clear();
        syncDirectory = directoryDirty;
        directoryDirty = false;
      } finally {
        lock.unlock();
      }
      for (Segment s : toForce) {
        s.file.force();
      }
      if (syncDirectory) {
        disk.syncDirectory(dir);
      }
    } catch (StorageException e) {
      failure = e;
      syncing.set(false);
      waiters.forEach(w -> LockSupport.unpark(w.thread()));
      throw e;
    }
    syncs.incrementAndGet();
    syncedBytes = target;
    syncing.set(false);
    closeSealedFiles(toForce);
    wakeAfterSync(target);
  }

  /** Wakes every waiter {@code target} covers, and one that it does not, to run the next fsync. */
  private void wakeAfterSync(long target) {
    boolean nextSyncerWoken = false;
    for (Waiter w : waiters) {
      if (w.ticket() <= target) {
        LockSupport.unpark(w.thread());
      } else if (!nextSyncerWoken) {
        LockSupport.unpark(w.thread());
        nextSyncerWoken = true;
      }
    }
  }

  private void closeSealedFiles(List<Segment> forced) {
    lock.lock();
    try {
      for (Segment s : forced) {
        if (s != current && s.file != null && !unsynced.contains(s)) {
          s.file.close();
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Deletes the oldest segments whose entries are all at or below {@code index} (a durable snapshot
   * covers them), as long as a later segment's preamble, which repeats the hard state and snapshot
   * record, is durable. The current segment is never deleted.
   *
   * <p>If a segment can go, everything appended so far is synced first: the deletion may reach the
   * disk before any later write, and once the entry at the snapshot's index is gone, only the
   * snapshot's own record in the log vouches for its term. Without it recovery could not connect
   * the snapshot to the entries after it, and would drop them, synced or not.
   */
  public void releaseUpTo(long index) {
    long ticket;
    lock.lock();
    try {
      checkUsable();
      if (sealed.isEmpty() || sealed.peek().lastIndex > index) {
        return;
      }
      ticket = appendedBytes;
    } finally {
      lock.unlock();
    }
    sync(ticket);
    lock.lock();
    try {
      checkUsable();
      while (!sealed.isEmpty()) {
        Segment oldest = sealed.peek();
        Segment successor = sealed.size() > 1 ? second() : current;
        if (oldest.lastIndex > index || successor.preambleEndBytes > syncedBytes) {
          break;
        }
        sealed.poll();
        disk.delete(oldest.path);
        directoryDirty = true;
      }
    } catch (StorageException e) {
      failure = e;
      throw e;
    } finally {
      lock.unlock();
    }
  }

  private Segment second() {
    var it = sealed.iterator();
    it.next();
    return it.next();
  }

  private void checkUsable() {
    if (failure != null) {
      throw new StorageException("write-ahead log failed earlier; restart the node", failure);
    }
  }

  /** fsyncs so far (for benchmarks and metrics). */
  public long syncCount() {
    return syncs.get();
  }

  /** Records appended so far. */
  public long recordCount() {
    lock.lock();
    try {
      return records;
    } finally {
      lock.unlock();
    }
  }

  /** The number of segment files the log has now. */
  public int segmentCount() {
    lock.lock();
    try {
      return sealed.size() + 1;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (spare != null) {
        // No background write may touch the directory after close; a finished spare is harmless.
        spare.exceptionally(e -> null).join();
      }
      if (current != null && current.file != null) {
        current.file.close();
      }
      for (Segment s : unsynced) {
        if (s != current && s.file != null) {
          s.file.close();
        }
      }
      failure = new StorageException("write-ahead log closed");
    } finally {
      lock.unlock();
    }
  }
}
