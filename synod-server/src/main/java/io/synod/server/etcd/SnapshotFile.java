package io.synod.server.etcd;

import io.synod.common.Bytes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * A point-in-time snapshot of one member's key-value state, as {@code Maintenance.Snapshot} streams
 * it and {@code etcdctl snapshot save} stores it; {@code bin/synod snapshot restore} makes a data
 * directory of a new cluster from it.
 *
 * <pre>
 *   offset  size
 *        0    16  "SYNOD-SNAPSHOT\0\0" (magic)
 *       16     4  format (1)
 *       20     8  cluster id      28  8  member id      (of the member that took it)
 *       36     8  raft index      44  8  raft term      52  8  store revision
 *       60     8  image length N
 *       68     N  the key-value store's image (synod-kv's StoreImage)
 *   68 + N   ...  zero bytes up to a multiple of 512
 *      end    32  SHA-256 of everything before it
 * </pre>
 *
 * etcd 3.4's clients check exactly this frame: {@code snapshot save} requires the size to be 32
 * more than a multiple of 512 (a bbolt file plus the digest the server appends) and restore checks
 * the digest. The body in between is Synod's own (not a bbolt database), so {@code etcdctl snapshot
 * status} and {@code etcdctl snapshot restore}, which open bbolt, do not apply to it.
 *
 * @param clusterId the cluster the snapshot was taken in
 * @param memberId the member that took it
 * @param raftIndex its applied index
 * @param raftTerm the term of that entry
 * @param revision the store's revision
 * @param image the key-value store's image
 */
public record SnapshotFile(
    long clusterId, long memberId, long raftIndex, long raftTerm, long revision, Bytes image) {
  static final byte[] MAGIC = "SYNOD-SNAPSHOT\0\0".getBytes(StandardCharsets.US_ASCII);
  static final int FORMAT = 1;
  static final int HEADER_BYTES = 68;
  static final int SECTOR_BYTES = 512;
  static final int DIGEST_BYTES = 32;

  /** Everything but the digest: header, image, padding (a multiple of 512 bytes). */
  public Bytes body() {
    long unpadded = (long) HEADER_BYTES + image.size();
    long padded = (unpadded + SECTOR_BYTES - 1) / SECTOR_BYTES * SECTOR_BYTES;
    if (padded > Integer.MAX_VALUE - DIGEST_BYTES) {
      throw new IllegalStateException("snapshot of " + padded + " bytes is too large");
    }
    ByteBuffer b = ByteBuffer.allocate((int) padded);
    b.put(MAGIC).putInt(FORMAT);
    b.putLong(clusterId).putLong(memberId).putLong(raftIndex).putLong(raftTerm).putLong(revision);
    b.putLong(image.size());
    image.writeTo(b);
    return Bytes.wrapOwned(b.array());
  }

  /** The whole file: {@link #body()} then its SHA-256. */
  public Bytes encode() {
    Bytes body = body();
    return body.concat(Bytes.wrapOwned(sha256(body)));
  }

  static byte[] sha256(Bytes data) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(data.asReadOnlyBuffer());
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /**
   * Reads a snapshot file.
   *
   * @throws IllegalArgumentException with a one-line reason if it is not a Synod snapshot or its
   *     digest does not match
   */
  public static SnapshotFile decode(Bytes file) {
    if (file.size() % SECTOR_BYTES != DIGEST_BYTES || file.size() < HEADER_BYTES + DIGEST_BYTES) {
      throw new IllegalArgumentException(
          "not a snapshot file: its size "
              + file.size()
              + " is not 32 bytes past a multiple of 512 (no sha256 checksum)");
    }
    Bytes body = file.slice(0, file.size() - DIGEST_BYTES);
    byte[] expected = file.slice(file.size() - DIGEST_BYTES, file.size()).toByteArray();
    if (!Arrays.equals(sha256(body), expected)) {
      throw new IllegalArgumentException("snapshot checksum mismatch: the file is damaged");
    }
    ByteBuffer b = body.asReadOnlyBuffer();
    byte[] magic = new byte[MAGIC.length];
    b.get(magic);
    if (!Arrays.equals(magic, MAGIC)) {
      throw new IllegalArgumentException(
          "not a Synod snapshot (an etcd bbolt snapshot cannot be restored by Synod)");
    }
    int format = b.getInt();
    if (format != FORMAT) {
      throw new IllegalArgumentException("unknown snapshot format " + format);
    }
    long clusterId = b.getLong();
    long memberId = b.getLong();
    long index = b.getLong();
    long term = b.getLong();
    long revision = b.getLong();
    long length = b.getLong();
    if (length < 0 || length > body.size() - HEADER_BYTES) {
      throw new IllegalArgumentException("bad image length " + length);
    }
    Bytes image = body.slice(HEADER_BYTES, HEADER_BYTES + (int) length);
    for (int i = HEADER_BYTES + (int) length; i < body.size(); i++) {
      if (body.byteAt(i) != 0) {
        throw new IllegalArgumentException("non-zero padding at offset " + i);
      }
    }
    return new SnapshotFile(clusterId, memberId, index, term, revision, image);
  }
}
