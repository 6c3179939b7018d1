package io.synod.server.member;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Member and cluster ids derived as etcd derives them, so they are stable, non-zero and the same on
 * every member that sees the same flags.
 *
 * <ul>
 *   <li>etcd's member id: the first 8 bytes (big-endian) of SHA-1 over the member's sorted peer
 *       URLs concatenated, then the cluster token.
 *   <li>etcd's cluster id: the first 8 bytes of SHA-1 over the sorted member ids, 8 big-endian
 *       bytes each.
 * </ul>
 *
 * Synod's Raft ids are positive {@code long}s, so a member id is etcd's with the top bit cleared
 * (and 1 if that leaves 0). The cluster id hashes those member ids; it uses all 64 bits (it is only
 * ever shown, as etcd's unsigned hex).
 */
public final class MemberIds {
  private MemberIds() {}

  /** etcd's 64-bit member hash, exactly as etcd computes it (may be negative as a long). */
  public static long etcdMemberHash(Collection<String> peerUrls, String clusterToken) {
    List<String> sorted = new ArrayList<>(peerUrls);
    sorted.sort(null);
    StringBuilder b = new StringBuilder();
    sorted.forEach(b::append);
    b.append(clusterToken);
    return first8(sha1(b.toString().getBytes(StandardCharsets.UTF_8)));
  }

  /** etcd's 64-bit cluster hash of member ids (sorted as unsigned numbers, as etcd's uint64s). */
  public static long etcdClusterHash(Collection<Long> memberIds) {
    List<Long> sorted = new ArrayList<>(memberIds);
    sorted.sort(Long::compareUnsigned);
    ByteBuffer b = ByteBuffer.allocate(8 * sorted.size());
    sorted.forEach(b::putLong);
    return first8(sha1(b.array()));
  }

  /** This member's Raft id: etcd's member hash with the sign bit cleared; never 0. */
  public static long memberId(Collection<String> peerUrls, String clusterToken) {
    long id = etcdMemberHash(peerUrls, clusterToken) & Long.MAX_VALUE;
    return id == 0 ? 1 : id;
  }

  /** The cluster id: etcd's cluster hash of the members' Raft ids; never 0. */
  public static long clusterId(Collection<Long> memberIds) {
    long id = etcdClusterHash(memberIds);
    return id == 0 ? 1 : id;
  }

  /** An id as etcd prints it: unsigned lower-case hex without leading zeros. */
  public static String hex(long id) {
    return Long.toHexString(id);
  }

  /** Parses {@link #hex}. */
  public static long parseHex(String s) {
    return Long.parseUnsignedLong(s, 16);
  }

  private static long first8(byte[] digest) {
    return ByteBuffer.wrap(digest, 0, 8).getLong();
  }

  private static byte[] sha1(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-1", e);
    }
  }
}
