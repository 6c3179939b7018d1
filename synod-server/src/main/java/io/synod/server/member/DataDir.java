package io.synod.server.member;

import io.synod.raft.RaftNode;
import io.synod.server.ClusterState;
import io.synod.server.InitialCluster;
import io.synod.server.ServerConfig;
import io.synod.server.StartupException;
import io.synod.storage.CorruptionException;
import io.synod.storage.FileLogStore;
import io.synod.storage.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A member's data directory:
 *
 * <pre>
 *   DIR/member/synod-member        who this directory belongs to ({@link MemberMetadata})
 *   DIR/member/group-&lt;id&gt;/        the Raft log of group id ({@link FileLogStore}: LOCK, wal/, snap/)
 * </pre>
 *
 * At the first start the metadata is written first, then the log is created (and, for a founding
 * member, bootstrapped with the founding voters). A later start reads the metadata, refuses flags
 * that name another member or cluster, and opens the log; a corrupt log is refused with the
 * storage's message, never repaired.
 */
public final class DataDir {
  /** What {@link #open} found or created. The caller owns (and closes) the store. */
  public record Opened(
      MemberMetadata metadata, ClusterMembers members, FileLogStore store, List<String> notes) {}

  private DataDir() {}

  /** The directory of group {@code groupId}'s log. */
  public static Path groupDir(Path dataDir, long groupId) {
    return dataDir.resolve("member").resolve("group-" + groupId);
  }

  /**
   * Opens (creating on the first start) the data directory of {@code cfg}.
   *
   * @throws StartupException if the directory belongs to another member, is corrupt, or cannot be
   *     written
   */
  public static Opened open(ServerConfig cfg, long groupId, FileLogStore.Options options)
      throws StartupException {
    Path memberDir = cfg.dataDir().resolve("member");
    List<String> notes = new ArrayList<>();
    MemberMetadata meta;
    try {
      meta = MemberMetadata.read(memberDir);
      checkMatches(cfg, meta);
      notes.add("restarting member " + MemberIds.hex(meta.memberId()) + " from " + cfg.dataDir());
    } catch (NoSuchFileException absent) {
      meta = firstStart(cfg, memberDir, groupId);
      notes.add(
          "new member "
              + MemberIds.hex(meta.memberId())
              + " of cluster "
              + MemberIds.hex(meta.clusterId())
              + " in "
              + cfg.dataDir());
    } catch (IOException e) {
      throw new StartupException("cannot read the member metadata: " + e.getMessage(), e);
    }
    if (meta.groupId() != groupId) {
      throw new StartupException(
          "data dir " + cfg.dataDir() + " holds Raft group " + meta.groupId() + ", not " + groupId);
    }
    ClusterMembers members =
        ClusterMembers.of(InitialCluster.parse(meta.initialCluster()), meta.clusterToken());
    FileLogStore store = openStore(groupDir(cfg.dataDir(), groupId), groupId, options);
    try {
      notes.addAll(store.recoveryNotes());
      boolean empty = store.lastIndex() == 0 && store.hardState().term() == 0;
      if (store.hardState().term() == 0 && store.lastIndex() > 0) {
        throw new StartupException(
            "the first start of "
                + cfg.dataDir()
                + " was interrupted while writing the founding log; remove the directory and"
                + " start again");
      }
      if (empty && meta.state() == ClusterState.NEW) {
        RaftNode.bootstrap(store, members.byId().keySet());
        notes.add("bootstrapped founding voters " + hexIds(members));
      }
    } catch (StartupException | RuntimeException e) {
      store.close();
      throw e;
    }
    return new Opened(meta, members, store, notes);
  }

  private static String hexIds(ClusterMembers members) {
    List<String> ids = new ArrayList<>();
    members.names().forEach((id, name) -> ids.add(name + "=" + MemberIds.hex(id)));
    return String.join(",", ids);
  }

  private static FileLogStore openStore(Path dir, long groupId, FileLogStore.Options options)
      throws StartupException {
    try {
      return FileLogStore.open(dir, groupId, options);
    } catch (CorruptionException e) {
      throw new StartupException("refusing to start: " + e.getMessage(), e);
    } catch (StorageException e) {
      throw new StartupException("cannot open the Raft log: " + e.getMessage(), e);
    }
  }

  private static void checkMatches(ServerConfig cfg, MemberMetadata meta) throws StartupException {
    if (!meta.name().equals(cfg.name())) {
      throw new StartupException(
          "data dir "
              + cfg.dataDir()
              + " belongs to member \""
              + meta.name()
              + "\", not --name \""
              + cfg.name()
              + "\"");
    }
    if (cfg.isExplicit("--initial-cluster")
        && !meta.initialCluster().equals(cfg.initialCluster().format())) {
      throw new StartupException(
          "data dir "
              + cfg.dataDir()
              + " was created with --initial-cluster="
              + meta.initialCluster()
              + ", not "
              + cfg.initialCluster().format()
              + " (membership changes go through the cluster, not the flags)");
    }
    if (cfg.isExplicit("--initial-cluster-token")
        && !meta.clusterToken().equals(cfg.initialClusterToken())) {
      throw new StartupException(
          "data dir "
              + cfg.dataDir()
              + " belongs to cluster token \""
              + meta.clusterToken()
              + "\", not \""
              + cfg.initialClusterToken()
              + "\"");
    }
  }

  private static MemberMetadata firstStart(ServerConfig cfg, Path memberDir, long groupId)
      throws StartupException {
    try {
      if (Files.isDirectory(memberDir) && !isEmpty(memberDir)) {
        throw new StartupException(
            memberDir
                + " holds files but no Synod member metadata (an etcd data dir, or another"
                + " program's?); refusing to start: move it away to start a new member");
      }
      ClusterMembers members = ClusterMembers.of(cfg.initialCluster(), cfg.initialClusterToken());
      MemberMetadata meta =
          new MemberMetadata(
              cfg.name(),
              members.idOf(cfg.name()),
              members.clusterId(),
              cfg.initialClusterToken(),
              cfg.initialCluster().format(),
              cfg.initialClusterState(),
              groupId);
      Files.createDirectories(memberDir);
      meta.write(memberDir);
      return meta;
    } catch (IOException e) {
      throw new StartupException("cannot create " + memberDir + ": " + e, e);
    }
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }
}
