package io.synod.server.member;

import io.synod.server.ClusterState;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who this data directory belongs to: written once, when the member first starts, before its Raft
 * log is created; read at every later start to rejoin as the same member and to refuse flags that
 * say otherwise. A small text file of {@code key=value} lines, written atomically (temporary file,
 * fsync, rename, fsync of the directory), so a crash leaves either no file or the whole file.
 *
 * @param name the member's {@code --name}
 * @param memberId the member's Raft id
 * @param clusterId the cluster's id
 * @param clusterToken {@code --initial-cluster-token} at the first start
 * @param initialCluster {@code --initial-cluster} at the first start, canonically spelled
 * @param state how the member first started: founding ({@code new}) or joining ({@code existing})
 * @param groupId the Raft group of the member's log
 */
public record MemberMetadata(
    String name,
    long memberId,
    long clusterId,
    String clusterToken,
    String initialCluster,
    ClusterState state,
    long groupId) {

  /** The file's name inside {@code DIR/member/}. */
  public static final String FILE_NAME = "synod-member";

  private static final int FORMAT = 1;

  /** Writes {@code dir/synod-member} atomically and durably. */
  public void write(Path dir) throws IOException {
    StringBuilder b = new StringBuilder();
    b.append("# Synod member metadata: written once at the member's first start. Do not edit.\n");
    for (Map.Entry<String, String> e : fields().entrySet()) {
      b.append(e.getKey()).append('=').append(e.getValue()).append('\n');
    }
    Path tmp = dir.resolve(FILE_NAME + ".tmp");
    Path file = dir.resolve(FILE_NAME);
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8)));
      ch.force(true);
    }
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("the file system of " + dir + " cannot rename atomically", e);
    }
    syncDirectory(dir);
  }

  private Map<String, String> fields() {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("format", Integer.toString(FORMAT));
    f.put("name", name);
    f.put("member-id", MemberIds.hex(memberId));
    f.put("cluster-id", MemberIds.hex(clusterId));
    f.put("cluster-token", clusterToken);
    f.put("initial-cluster", initialCluster);
    f.put("initial-cluster-state", state.flagValue());
    f.put("group-id", Long.toString(groupId));
    return f;
  }

  /**
   * Reads {@code dir/synod-member}.
   *
   * @throws NoSuchFileException if there is none
   * @throws IOException if it cannot be read or is malformed (the message says what is wrong)
   */
  public static MemberMetadata read(Path dir) throws IOException {
    Path file = dir.resolve(FILE_NAME);
    Map<String, String> f = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        throw new IOException(file + ": malformed line \"" + line + "\"");
      }
      f.put(line.substring(0, eq), line.substring(eq + 1));
    }
    try {
      if (!Integer.toString(FORMAT).equals(need(f, "format"))) {
        throw new IOException(file + ": unknown format " + f.get("format"));
      }
      ClusterState state =
          switch (need(f, "initial-cluster-state")) {
            case "new" -> ClusterState.NEW;
            case "existing" -> ClusterState.EXISTING;
            default -> throw new IllegalArgumentException("bad initial-cluster-state");
          };
      MemberMetadata m =
          new MemberMetadata(
              need(f, "name"),
              MemberIds.parseHex(need(f, "member-id")),
              MemberIds.parseHex(need(f, "cluster-id")),
              need(f, "cluster-token"),
              need(f, "initial-cluster"),
              state,
              Long.parseLong(need(f, "group-id")));
      if (m.memberId() <= 0 || m.clusterId() == 0 || m.groupId() <= 0) {
        throw new IllegalArgumentException("ids must be non-zero");
      }
      return m;
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": malformed member metadata: " + e.getMessage(), e);
    }
  }

  private static String need(Map<String, String> f, String key) {
    String v = f.get(key);
    if (v == null) {
      throw new IllegalArgumentException("missing " + key);
    }
    return v;
  }

  private static void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
