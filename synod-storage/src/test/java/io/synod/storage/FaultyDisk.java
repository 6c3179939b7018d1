package io.synod.storage;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

/**
 * A file system in memory that keeps exactly what Linux promises after a crash, and no more, so
 * storage can be crashed at any point and its recovery checked.
 *
 * <p>Each file has its durable bytes and the writes and resizes made since its last {@link
 * DiskFile#force()}, in order. Each directory has its durable names and the links, unlinks and
 * renames made since its last {@link #syncDirectory}, in order; a rename is one operation, so it is
 * atomic. Files and directories are independent: a file's data may survive while its name does not,
 * and the other way round (a name whose data never reached the disk reads as an empty file).
 *
 * <p>{@link #crash} is a power loss and a fresh mount: what survives depends on the {@link
 * CrashMode}, every open handle and lock becomes invalid. Faults: {@link #flipBit} damages durable
 * data, {@link #failForceAfter} makes an fsync fail (the data stays unsynced), {@link
 * #powerCutAfter} stops the disk in the middle of an operation (every later call throws until the
 * crash). Every random choice is drawn from the generator passed in, so a seed replays a crash.
 *
 * <p>Paths must be absolute. Thread-safe: every operation holds the disk's lock.
 */
final class FaultyDisk implements Disk {

  /** What a crash keeps of the unsynced writes. */
  enum CrashMode {
    /** Every unsynced write and directory operation is lost. */
    DROP_UNSYNCED,
    /** Each file keeps a random prefix of its unsynced writes, each directory of its operations. */
    KEEP_PREFIX,
    /** Like {@link #KEEP_PREFIX}, and the last write each file keeps is cut at a random byte. */
    TEAR,
    /**
     * Unsynced writes reach the disk in 4 KiB pages, any subset of them (page-cache writeback
     * order); directories keep a prefix. Recovery may refuse such a state, never misread it.
     */
    REORDER_PAGES
  }

  static final int PAGE_BYTES = 4096;

  /** A write a crash cut short: {@code kept} of its {@code bytes} reached the disk. */
  record TornWrite(Path file, long position, byte[] bytes, int kept) {}

  /** An unsynced write, as {@link #pendingWrites} lists it. */
  record PendingWrite(long position, int length) {}

  private sealed interface Node permits Dir, Inode {}

  /** A pending change to a file: a write, or a resize. */
  private sealed interface FileOp permits Write, Resize {}

  private record Write(long position, byte[] bytes) implements FileOp {}

  private record Resize(long size) implements FileOp {}

  /** A pending change to a directory. */
  private sealed interface DirOp permits Link, Unlink, Rename {}

  private record Link(String name, Node node) implements DirOp {}

  private record Unlink(String name) implements DirOp {}

  private record Rename(String from, String to) implements DirOp {}

  private static final class Inode implements Node {
    byte[] durable = new byte[0];
    byte[] current = new byte[0];
    final List<FileOp> pending = new ArrayList<>();
  }

  private static final class Dir implements Node {
    TreeMap<String, Node> durable = new TreeMap<>();
    TreeMap<String, Node> current = new TreeMap<>();
    final List<DirOp> pending = new ArrayList<>();
  }

  private Dir root = new Dir();
  private long generation;
  private final TreeSet<Path> locks = new TreeSet<>();
  private final List<TornWrite> lastTears = new ArrayList<>();
  private long forcesUntilFailure = -1;
  private long opsUntilPowerCut = -1;
  private boolean poweredOff;
  private boolean directorySyncIgnored;
  private long forces;
  private long failedForces;

  // ------------------------------------------------------------------ faults

  /** A power loss followed by a fresh mount; what survives is drawn from {@code random}. */
  synchronized void crash(RandomGenerator random, CrashMode mode) {
    lastTears.clear();
    remount();
    Set<Inode> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    crashDir(root, Path.of("/"), random, mode, seen);
  }

  /**
   * A crash after which every unsynced write and directory operation survived, except that the
   * {@code writeNumber}-th unsynced write of {@code file} (counting from 0 in {@link
   * #pendingWrites}) kept only its first {@code bytesKept} bytes and the later ones were lost.
   */
  synchronized void crashTearing(Path file, int writeNumber, int bytesKept) {
    Inode target = inode(file);
    List<PendingWrite> writes = pendingWrites(file);
    if (writeNumber >= writes.size()
        || bytesKept < 0
        || bytesKept > writes.get(writeNumber).length()) {
      throw new IllegalArgumentException(
          "cannot keep " + bytesKept + " bytes of write " + writeNumber + " of " + file);
    }
    lastTears.clear();
    remount();
    Set<Inode> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    keepEverything(root, target, seen);
    int written = 0;
    byte[] content = target.durable;
    for (FileOp op : target.pending) {
      if (op instanceof Write w) {
        if (written++ == writeNumber) {
          content = apply(content, new Write(w.position, Arrays.copyOf(w.bytes, bytesKept)));
          lastTears.add(new TornWrite(file, w.position, w.bytes.clone(), bytesKept));
          break;
        }
      }
      content = apply(content, op);
    }
    settle(target, content);
  }

  /** The writes the last crash cut short (only {@link CrashMode#TEAR} and crashTearing cut). */
  synchronized List<TornWrite> lastTears() {
    return List.copyOf(lastTears);
  }

  /** Flips bit {@code bit} (0..7) of the byte at {@code offset}, on the disk and in the cache. */
  synchronized void flipBit(Path file, long offset, int bit) {
    Inode f = inode(file);
    if (offset >= f.durable.length || bit < 0 || bit > 7) {
      throw new IllegalArgumentException("no bit " + bit + " at " + offset + " in " + file);
    }
    f.durable[(int) offset] ^= (byte) (1 << bit);
    if (offset < f.current.length) {
      f.current[(int) offset] ^= (byte) (1 << bit);
    }
  }

  /**
   * The fsync after {@code successfulForces} more successful ones throws, and the data it should
   * have made durable stays unsynced. Later fsyncs succeed again, as on Linux, where a retried
   * fsync can report success for data it never wrote: storage must never retry.
   */
  synchronized void failForceAfter(long successfulForces) {
    forcesUntilFailure = successfulForces;
  }

  /**
   * The disk loses power after {@code operations} more changes (writes, resizes, fsyncs, creations,
   * renames, deletions, directory syncs): that change and every later call throw until {@link
   * #crash}. A negative count cancels a planned cut.
   */
  synchronized void powerCutAfter(long operations) {
    opsUntilPowerCut = operations;
  }

  /** A planted bug for checking the checks: directory syncs do nothing. */
  synchronized void ignoreDirectorySyncs() {
    directorySyncIgnored = true;
  }

  synchronized boolean poweredOff() {
    return poweredOff;
  }

  /** Successful fsyncs so far. */
  synchronized long forceCount() {
    return forces;
  }

  /** Failed fsyncs so far. */
  synchronized long failedForceCount() {
    return failedForces;
  }

  // ------------------------------------------------------------------ inspection

  /** An independent copy of this disk in its present state (durable and cached parts). */
  synchronized FaultyDisk copy() {
    FaultyDisk c = new FaultyDisk();
    Map<Node, Node> copies = new IdentityHashMap<>();
    c.root = (Dir) copyNode(root, copies);
    return c;
  }

  /** The bytes of {@code file} as reads see them now. */
  synchronized byte[] read(Path file) {
    return inode(file).current.clone();
  }

  /** The unsynced writes of {@code file}, oldest first. */
  synchronized List<PendingWrite> pendingWrites(Path file) {
    List<PendingWrite> out = new ArrayList<>();
    for (FileOp op : inode(file).pending) {
      if (op instanceof Write w) {
        out.add(new PendingWrite(w.position, w.bytes.length));
      }
    }
    return out;
  }

  /** Whether {@code path} has changes a crash could lose (data, or directory entries). */
  synchronized boolean hasUnsyncedChanges(Path path) {
    Node n = lookup(path);
    if (n instanceof Inode f) {
      return !f.pending.isEmpty();
    }
    return n instanceof Dir d && !d.pending.isEmpty();
  }

  // ------------------------------------------------------------------ Disk

  @Override
  public synchronized boolean exists(Path path) {
    checkPower();
    return lookup(path) != null;
  }

  @Override
  public synchronized boolean isDirectory(Path path) {
    checkPower();
    return lookup(path) instanceof Dir;
  }

  @Override
  public synchronized void createDirectories(Path dir) {
    checkPower();
    Dir at = root;
    for (Path name : absolute(dir)) {
      Node next = at.current.get(name.toString());
      if (next == null) {
        change();
        Dir created = new Dir();
        link(at, name.toString(), created);
        next = created;
      } else if (!(next instanceof Dir)) {
        throw new StorageException("cannot create directory " + dir + ": a file is in the way");
      }
      at = (Dir) next;
    }
  }

  @Override
  public synchronized List<String> list(Path dir) {
    checkPower();
    if (!(lookup(dir) instanceof Dir d)) {
      throw new StorageException("cannot list directory " + dir + ": no such directory");
    }
    return List.copyOf(d.current.keySet());
  }

  @Override
  public synchronized DiskFile open(Path path, boolean create) {
    checkPower();
    Dir parent = parentOf(path);
    String name = path.getFileName().toString();
    Node n = parent.current.get(name);
    if (n == null) {
      if (!create) {
        throw new StorageException("no such file: " + path);
      }
      change();
      n = new Inode();
      link(parent, name, n);
    }
    if (!(n instanceof Inode f)) {
      throw new StorageException("cannot open " + path + ": is a directory");
    }
    return new FaultyFile(path, f, generation);
  }

  @Override
  public synchronized void rename(Path from, Path to) {
    checkPower();
    Dir parent = parentOf(from);
    if (parentOf(to) != parent) {
      throw new UnsupportedOperationException("renames across directories are not modelled");
    }
    String f = from.getFileName().toString();
    String t = to.getFileName().toString();
    if (!parent.current.containsKey(f)) {
      throw new StorageException("cannot rename " + from + ": no such file");
    }
    change();
    applyDirOp(parent.current, new Rename(f, t));
    parent.pending.add(new Rename(f, t));
  }

  @Override
  public synchronized void delete(Path path) {
    checkPower();
    Dir parent = parentOf(path);
    String name = path.getFileName().toString();
    Node n = parent.current.get(name);
    if (n == null) {
      return;
    }
    if (n instanceof Dir d && !d.current.isEmpty()) {
      throw new StorageException("cannot delete " + path + ": directory not empty");
    }
    change();
    parent.current.remove(name);
    parent.pending.add(new Unlink(name));
  }

  @Override
  public synchronized void syncDirectory(Path dir) {
    checkPower();
    if (!(lookup(dir) instanceof Dir d)) {
      throw new StorageException("cannot sync directory " + dir + ": no such directory");
    }
    change();
    if (!directorySyncIgnored) {
      d.durable = new TreeMap<>(d.current);
      d.pending.clear();
    }
  }

  @Override
  public synchronized AutoCloseable lock(Path path) {
    checkPower();
    if (locks.contains(path)) {
      throw new StorageException(
          "data directory is in use by another process (lock held on " + path + ")");
    }
    open(path, true).close();
    locks.add(path);
    long lockedIn = generation;
    return () -> {
      synchronized (FaultyDisk.this) {
        if (generation == lockedIn) {
          locks.remove(path);
        }
      }
    };
  }

  // ------------------------------------------------------------------ files

  /** An open file: valid until it is closed or the disk crashes. */
  private final class FaultyFile implements DiskFile {
    private final Path path;
    private final Inode inode;
    private final long openedIn;
    private boolean closed;

    FaultyFile(Path path, Inode inode, long openedIn) {
      this.path = path;
      this.inode = inode;
      this.openedIn = openedIn;
    }

    private void checkOpen() {
      checkPower();
      if (closed || generation != openedIn) {
        throw new StorageException(
            (closed ? "closed file " : "file handle from before a crash: ") + path);
      }
    }

    @Override
    public int read(ByteBuffer dst, long position) {
      synchronized (FaultyDisk.this) {
        checkOpen();
        byte[] data = inode.current;
        if (position >= data.length) {
          return 0;
        }
        int n = (int) Math.min(dst.remaining(), data.length - position);
        dst.put(data, (int) position, n);
        return n;
      }
    }

    @Override
    public void write(ByteBuffer src, long position) {
      synchronized (FaultyDisk.this) {
        checkOpen();
        change();
        byte[] bytes = new byte[src.remaining()];
        src.get(bytes);
        Write w = new Write(position, bytes);
        inode.pending.add(w);
        inode.current = apply(inode.current, w);
      }
    }

    @Override
    public void force() {
      synchronized (FaultyDisk.this) {
        checkOpen();
        change();
        if (forcesUntilFailure == 0) {
          forcesUntilFailure = -1;
          failedForces++;
          throw new StorageException("fsync failed on " + path + ": injected EIO");
        }
        if (forcesUntilFailure > 0) {
          forcesUntilFailure--;
        }
        forces++;
        inode.durable = inode.current.clone();
        inode.pending.clear();
      }
    }

    @Override
    public long size() {
      synchronized (FaultyDisk.this) {
        checkOpen();
        return inode.current.length;
      }
    }

    @Override
    public void truncate(long size) {
      synchronized (FaultyDisk.this) {
        checkOpen();
        change();
        Resize r = new Resize(size);
        inode.pending.add(r);
        inode.current = apply(inode.current, r);
      }
    }

    @Override
    public void close() {
      synchronized (FaultyDisk.this) {
        closed = true;
      }
    }
  }

  // ------------------------------------------------------------------ crash model

  private void remount() {
    generation++;
    locks.clear();
    poweredOff = false;
    opsUntilPowerCut = -1;
    forcesUntilFailure = -1;
  }

  private void crashDir(Dir d, Path path, RandomGenerator random, CrashMode mode, Set<Inode> seen) {
    int keep = mode == CrashMode.DROP_UNSYNCED ? 0 : random.nextInt(d.pending.size() + 1);
    TreeMap<String, Node> names = new TreeMap<>(d.durable);
    for (DirOp op : d.pending.subList(0, keep)) {
      applyDirOp(names, op);
    }
    d.durable = names;
    d.current = new TreeMap<>(names);
    d.pending.clear();
    for (Map.Entry<String, Node> e : names.entrySet()) {
      Path child = path.resolve(e.getKey());
      if (e.getValue() instanceof Dir sub) {
        crashDir(sub, child, random, mode, seen);
      } else if (e.getValue() instanceof Inode f && seen.add(f)) {
        settle(f, crashedContent(f, child, random, mode));
      }
    }
  }

  private byte[] crashedContent(Inode f, Path path, RandomGenerator random, CrashMode mode) {
    int n = f.pending.size();
    switch (mode) {
      case DROP_UNSYNCED -> {
        return f.durable;
      }
      case KEEP_PREFIX -> {
        return applyAll(f.durable, f.pending.subList(0, random.nextInt(n + 1)));
      }
      case TEAR -> {
        if (n == 0) {
          return f.durable;
        }
        int keep = 1 + random.nextInt(n);
        byte[] content = applyAll(f.durable, f.pending.subList(0, keep - 1));
        FileOp last = f.pending.get(keep - 1);
        if (last instanceof Write w && w.bytes.length > 0) {
          int kept = random.nextInt(w.bytes.length);
          lastTears.add(new TornWrite(path, w.position, w.bytes.clone(), kept));
          return apply(content, new Write(w.position, Arrays.copyOf(w.bytes, kept)));
        }
        return apply(content, last);
      }
      case REORDER_PAGES -> {
        return reorderedPages(f, random);
      }
      default -> throw new IllegalStateException();
    }
  }

  /** Each page touched since the last fsync is either the durable or the cached version. */
  private static byte[] reorderedPages(Inode f, RandomGenerator random) {
    if (f.pending.isEmpty()) {
      return f.durable;
    }
    byte[] cached = f.current;
    int size = random.nextBoolean() ? cached.length : f.durable.length;
    TreeSet<Long> touched = new TreeSet<>();
    for (FileOp op : f.pending) {
      if (op instanceof Write w) {
        for (long p = w.position / PAGE_BYTES;
            p <= (w.position + w.bytes.length - 1) / PAGE_BYTES;
            p++) {
          touched.add(p);
        }
      }
    }
    byte[] out = Arrays.copyOf(f.durable, size);
    for (long page : touched) {
      if (random.nextBoolean()) {
        int from = (int) (page * PAGE_BYTES);
        int to = (int) Math.min(from + (long) PAGE_BYTES, size);
        for (int i = from; i < to; i++) {
          out[i] = i < cached.length ? cached[i] : 0;
        }
      }
    }
    return out;
  }

  private static void keepEverything(Dir d, Inode except, Set<Inode> seen) {
    d.durable = new TreeMap<>(d.current);
    d.pending.clear();
    for (Node n : d.current.values()) {
      if (n instanceof Dir sub) {
        keepEverything(sub, except, seen);
      } else if (n instanceof Inode f && f != except && seen.add(f)) {
        settle(f, f.current);
      }
    }
  }

  private static void settle(Inode f, byte[] content) {
    f.durable = content.clone();
    f.current = content.clone();
    f.pending.clear();
  }

  private static byte[] applyAll(byte[] base, List<FileOp> ops) {
    byte[] content = base;
    for (FileOp op : ops) {
      content = apply(content, op);
    }
    return content;
  }

  /** The content after {@code op}; never changes {@code content} itself. */
  private static byte[] apply(byte[] content, FileOp op) {
    if (op instanceof Resize r) {
      return Arrays.copyOf(content, Math.toIntExact(r.size));
    }
    Write w = (Write) op;
    long end = w.position + w.bytes.length;
    byte[] out = Arrays.copyOf(content, (int) Math.max(content.length, end));
    System.arraycopy(w.bytes, 0, out, (int) w.position, w.bytes.length);
    return out;
  }

  private static void applyDirOp(TreeMap<String, Node> names, DirOp op) {
    if (op instanceof Link l) {
      names.put(l.name, l.node);
    } else if (op instanceof Unlink u) {
      names.remove(u.name);
    } else if (op instanceof Rename r) {
      Node n = names.remove(r.from);
      if (n != null) {
        names.put(r.to, n);
      }
    }
  }

  private static Node copyNode(Node n, Map<Node, Node> copies) {
    Node done = copies.get(n);
    if (done != null) {
      return done;
    }
    if (n instanceof Inode f) {
      Inode c = new Inode();
      copies.put(n, c);
      c.durable = f.durable.clone();
      c.current = f.current.clone();
      c.pending.addAll(f.pending);
      return c;
    }
    Dir d = (Dir) n;
    Dir c = new Dir();
    copies.put(n, c);
    d.durable.forEach((name, child) -> c.durable.put(name, copyNode(child, copies)));
    d.current.forEach((name, child) -> c.current.put(name, copyNode(child, copies)));
    for (DirOp op : d.pending) {
      c.pending.add(op instanceof Link l ? new Link(l.name, copyNode(l.node, copies)) : op);
    }
    return c;
  }

  // ------------------------------------------------------------------ helpers

  private void checkPower() {
    if (poweredOff) {
      throw new StorageException("the disk lost power");
    }
  }

  /** Counts one change towards a planned power cut. */
  private void change() {
    if (opsUntilPowerCut == 0) {
      poweredOff = true;
      opsUntilPowerCut = -1;
      throw new StorageException("the disk lost power");
    }
    if (opsUntilPowerCut > 0) {
      opsUntilPowerCut--;
    }
  }

  private static void link(Dir parent, String name, Node node) {
    parent.current.put(name, node);
    parent.pending.add(new Link(name, node));
  }

  private static Path absolute(Path path) {
    if (!path.isAbsolute()) {
      throw new IllegalArgumentException("FaultyDisk paths are absolute: " + path);
    }
    return path.normalize();
  }

  private Node lookup(Path path) {
    Node at = root;
    for (Path name : absolute(path)) {
      if (!(at instanceof Dir d)) {
        return null;
      }
      at = d.current.get(name.toString());
      if (at == null) {
        return null;
      }
    }
    return at;
  }

  private Dir parentOf(Path path) {
    Path parent = absolute(path).getParent();
    if (parent == null || !(lookup(parent) instanceof Dir d)) {
      throw new StorageException("no such directory: " + path.getParent());
    }
    return d;
  }

  private Inode inode(Path file) {
    if (!(lookup(file) instanceof Inode f)) {
      throw new IllegalArgumentException("no such file: " + file);
    }
    return f;
  }
}
