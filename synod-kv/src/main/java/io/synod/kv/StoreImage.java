package io.synod.kv;

import io.synod.common.Assert;
import io.synod.common.Bytes;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The snapshot image of the whole key-value state: revisions, every key history still held, the
 * revision log and the leases. Deterministic: equal states give byte-identical images (keys in byte
 * order, the log in revision and sub-revision order, leases by id), and restoring an image
 * reproduces the state exactly, so later images and hashes stay equal too.
 *
 * <pre>
 * version(1) revision compactRevision logFirstRevision
 * base:  count, then per key (key order): key mod create version lease value
 *        (the one version older than the log a compaction kept, if any)
 * log:   revisions, then per revision: changes, then per change:
 *        key kind(0 put, 1 tombstone) [create version lease value]
 * leases: count, then per lease (id order): id grantedTtlSeconds checkpointedRemainingMillis
 * crc32c of everything before, as a fixed 8-byte number
 * </pre>
 *
 * Attached keys are not stored: a key belongs to the lease of its live version.
 */
final class StoreImage {
  private static final int VERSION = 1;

  /** The largest buffer allocated up front; a larger image grows it as it goes. */
  private static final int IMAGE_PRESIZE_MAX = 1 << 30;

  private StoreImage() {}

  static Bytes write(MvccStore store, LeaseTable leases) {
    return write(store, leases, Bytes.EMPTY);
  }

  /**
   * The image, after {@code prefix} (copied in first, outside the checksum: a caller's header). The
   * size is counted first, so the image is written into one buffer of exactly its size and handed
   * over without a copy: each extra copy of a buffer of hundreds of MiB (plus the heap it makes G1
   * commit) costs time and memory.
   */
  static Bytes write(MvccStore store, LeaseTable leases, Bytes prefix) {
    return new Captured(store, store.log(), leases, prefix).write();
  }

  /**
   * Captures what the image of the state as it is now needs, so that {@link Captured#write()} can
   * write it later, on any thread, while the store goes on changing. The capture is O(revisions
   * held) reference copies plus, if a compaction kept versions older than the log, a walk over the
   * keys; the image's bytes are written only by {@code write()}.
   */
  static Captured capture(MvccStore store, LeaseTable leases, Bytes prefix) {
    return new Captured(store, store.log().copy(), leases, prefix);
  }

  /**
   * The state an image is written from, frozen: scalars, the versions (whose fields {@code write}
   * reads are final), a log that only {@code write} reads, and copies of the leases.
   */
  static final class Captured {
    private final Bytes prefix;
    private final long revision;
    private final long compactRevision;
    private final RevisionLog log;
    private final List<Version> base;
    private final List<LeaseTable.LeaseInfo> leases;

    private Captured(MvccStore store, RevisionLog log, LeaseTable leases, Bytes prefix) {
      this.prefix = prefix;
      this.revision = store.revision();
      this.compactRevision = store.compactRevision();
      this.log = log;
      this.base = baseVersions(store);
      this.leases = leases.all();
    }

    /** Writes the image; may run on any thread, once or more. */
    Bytes write() {
      long size = prefix.size() + size();
      // A wrong count only costs a copy: the writer grows (or trims) as needed.
      ByteWriter w = new ByteWriter((int) Math.min(size, IMAGE_PRESIZE_MAX));
      w.writeRaw(prefix);
      int start = w.size();
      w.writeByte(VERSION).writeSigned(revision).writeSigned(compactRevision);
      w.writeSigned(log.firstRevision());
      w.writeUnsigned(base.size());
      for (Version v : base) {
        w.writeBytes(v.key).writeSigned(v.modRevision);
        writeBody(w, v);
      }
      long revisions = log.lastRevision() - log.firstRevision() + 1;
      w.writeUnsigned(revisions);
      for (long r = log.firstRevision(); r <= log.lastRevision(); r++) {
        int n = log.count(r);
        w.writeUnsigned(n);
        for (int sub = 0; sub < n; sub++) {
          Version v = log.change(r, sub);
          w.writeBytes(v.key).writeByte(v.isTombstone() ? 1 : 0);
          if (!v.isTombstone()) {
            writeBody(w, v);
          }
        }
      }
      w.writeUnsigned(leases.size());
      for (LeaseTable.LeaseInfo l : leases) {
        w.writeSigned(l.id()).writeSigned(l.grantedTtlSeconds());
        w.writeSigned(l.checkpointedRemainingMillis());
      }
      w.writeFixedLong(w.crc32c(start));
      return w.toBytes();
    }

    /** The bytes {@link #write} writes after the prefix, counted without writing them. */
    long size() {
      long n = 1 + ByteWriter.signedSize(revision) + ByteWriter.signedSize(compactRevision);
      n += ByteWriter.signedSize(log.firstRevision()) + ByteWriter.unsignedSize(base.size());
      for (Version v : base) {
        n += ByteWriter.bytesSize(v.key) + ByteWriter.signedSize(v.modRevision) + bodySize(v);
      }
      n += ByteWriter.unsignedSize(log.lastRevision() - log.firstRevision() + 1);
      for (long r = log.firstRevision(); r <= log.lastRevision(); r++) {
        int count = log.count(r);
        n += ByteWriter.unsignedSize(count);
        for (int sub = 0; sub < count; sub++) {
          Version v = log.change(r, sub);
          n += ByteWriter.bytesSize(v.key) + 1 + (v.isTombstone() ? 0 : bodySize(v));
        }
      }
      n += ByteWriter.unsignedSize(leases.size());
      for (LeaseTable.LeaseInfo l : leases) {
        n += ByteWriter.signedSize(l.id()) + ByteWriter.signedSize(l.grantedTtlSeconds());
        n += ByteWriter.signedSize(l.checkpointedRemainingMillis());
      }
      return n + 8;
    }
  }

  /**
   * The version older than the log of each key that has one (kept by a compaction), key order. A
   * log starting at revision 2 (a store never compacted, or compacted at 2 at most) precedes every
   * version, so then the keys are not walked.
   */
  private static List<Version> baseVersions(MvccStore store) {
    long logFirst = store.log().firstRevision();
    if (logFirst <= 2) {
      return List.of();
    }
    List<Version> base = new ArrayList<>();
    for (Version head : store.index().values()) {
      Version oldest = head;
      while (oldest.prev != null) {
        oldest = oldest.prev;
      }
      if (oldest.modRevision < logFirst) {
        Assert.that(!oldest.isTombstone(), "tombstone %s older than the log", oldest);
        base.add(oldest);
      }
    }
    return base;
  }

  /** The size of the image {@link #write} writes (after any prefix), counted: for tests. */
  static long size(MvccStore store, LeaseTable leases) {
    return new Captured(store, store.log(), leases, Bytes.EMPTY).size();
  }

  private static long bodySize(Version v) {
    return ByteWriter.signedSize(v.createRevision)
        + ByteWriter.signedSize(v.version)
        + ByteWriter.signedSize(v.lease)
        + ByteWriter.bytesSize(v.value);
  }

  private static void writeBody(ByteWriter w, Version v) {
    w.writeSigned(v.createRevision).writeSigned(v.version).writeSigned(v.lease);
    w.writeBytes(v.value);
  }

  /** Replaces the contents of {@code store} and {@code leases} with the image. */
  static void read(Bytes image, MvccStore store, LeaseTable leases) {
    checkCrc(image);
    ByteReader r = new ByteReader(image, image.size() - 8);
    int version = r.readByte();
    if (version != VERSION) {
      throw new KvCodecException("unsupported image version " + version, true);
    }
    long revision = r.readSigned();
    long compactRevision = r.readSigned();
    long logFirst = r.readSigned();
    if (revision < 1 || logFirst != Math.max(2, compactRevision) || logFirst > revision + 1) {
      throw new KvCodecException("image revisions out of order");
    }
    store.resetForRestore(revision, compactRevision, logFirst);
    int baseCount = r.readCount(6);
    for (int i = 0; i < baseCount; i++) {
      Bytes key = r.readBytes();
      long mod = r.readSigned();
      store.restoreBase(readPut(r, key, mod, null));
    }
    long revisions = r.readUnsigned();
    if (revisions != revision - logFirst + 1) {
      throw new KvCodecException("image log holds " + revisions + " revisions");
    }
    for (long rev = logFirst; rev <= revision; rev++) {
      store.replay(rev, readRevision(r, store, rev));
    }
    store.sealRestore();
    leases.clear();
    int leaseCount = r.readCount(3);
    for (int i = 0; i < leaseCount; i++) {
      leases.restore(r.readSigned(), r.readSigned(), r.readSigned());
    }
    r.expectEnd();
    for (Map.Entry<Bytes, Version> e : store.index().entrySet()) {
      Version head = e.getValue();
      if (!head.isTombstone() && head.lease != 0) {
        if (!leases.contains(head.lease)) {
          throw new KvCodecException("key " + head.key + " has unknown lease " + head.lease);
        }
        leases.attach(head.lease, head.key);
      }
    }
  }

  private static List<Version> readRevision(ByteReader r, MvccStore store, long rev) {
    int n = r.readCount(2);
    if (n == 0) {
      throw new KvCodecException("revision " + rev + " made no change");
    }
    List<Version> changes = new ArrayList<>(n);
    for (int sub = 0; sub < n; sub++) {
      Bytes key = r.readBytes();
      int kind = r.readByte();
      Version head = null;
      for (int i = changes.size() - 1; i >= 0 && head == null; i--) {
        if (changes.get(i).key.equals(key)) {
          head = changes.get(i); // changed twice in one revision
        }
      }
      if (head == null) {
        head = store.head(key);
      }
      Bytes shared = head == null ? key : head.key;
      Version v;
      if (kind == 1) {
        v = Version.tombstone(shared, rev, head);
      } else if (kind == 0) {
        v = readPut(r, shared, rev, head);
      } else {
        throw new KvCodecException("bad change kind " + kind);
      }
      changes.add(v);
    }
    return changes;
  }

  private static Version readPut(ByteReader r, Bytes key, long mod, Version prev) {
    long create = r.readSigned();
    long version = r.readSigned();
    long lease = r.readSigned();
    Bytes value = r.readBytes();
    return Version.put(key, mod, create, version, lease, value, prev);
  }

  private static void checkCrc(Bytes image) {
    if (image.size() < 9) {
      throw new KvCodecException("image too short");
    }
    CRC32C crc = new CRC32C();
    ByteBuffer body = image.asReadOnlyBuffer();
    body.limit(image.size() - 8);
    crc.update(body);
    long stored = image.asReadOnlyBuffer().getLong(image.size() - 8);
    if (stored != crc.getValue()) {
      throw new KvCodecException("image checksum mismatch");
    }
  }
}
