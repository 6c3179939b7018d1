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
    RevisionLog log = store.log();
    // Sized once from the store's own count (key + value + 64 bytes per version held, more than a
    // version's varints take), so a large image is not copied at every doubling.
    long bound = 1024 + store.storedBytes() + (long) leases.size() * 32;
    ByteWriter w = new ByteWriter((int) Math.min(bound, IMAGE_PRESIZE_MAX));
    w.writeByte(VERSION).writeSigned(store.revision()).writeSigned(store.compactRevision());
    w.writeSigned(log.firstRevision());
    List<Version> base = new ArrayList<>();
    for (Version head : store.index().values()) {
      Version oldest = head;
      while (oldest.prev != null) {
        oldest = oldest.prev;
      }
      if (oldest.modRevision < log.firstRevision()) {
        Assert.that(!oldest.isTombstone(), "tombstone %s older than the log", oldest);
        base.add(oldest);
      }
    }
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
    List<LeaseTable.LeaseInfo> all = leases.all();
    w.writeUnsigned(all.size());
    for (LeaseTable.LeaseInfo l : all) {
      w.writeSigned(l.id()).writeSigned(l.grantedTtlSeconds());
      w.writeSigned(l.checkpointedRemainingMillis());
    }
    w.writeFixedLong(w.crc32c());
    return w.toBytes();
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
