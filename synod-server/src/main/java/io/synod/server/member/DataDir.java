package io.synod.server.member;

import io.synod.common.Bytes;
import io.synod.raft.RaftNode;
import io.synod.server.ClusterState;
import io.synod.server.InitialCluster;
import io.synod.server.ServerConfig;
import io.synod.server.StartupException;
import io.synod.server.cluster.MemberContext;
import io.synod.storage.CorruptionException;
import io.synod.storage.FileLogStore;
import io.synod.storage.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
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
    return open(cfg, groupId, options, JoinLookup.FROM_FLAGS);
  }

  /**
   * As above; at the first start of a member joining an existing cluster, {@code join} tells it its
   * id, the cluster's id and the members (founding members derive them from their flags).
   */
  public static Opened open(
      ServerConfig cfg, long groupId, FileLogStore.Options options, JoinLookup join)
      throws StartupException {
    Path memberDir = cfg.dataDir().resolve("member");
    List<String> notes = new ArrayList<>();
    MemberMetadata meta;
    JoinLookup.Joined joined = null;
    try {
      meta = MemberMetadata.read(memberDir);
      checkMatches(cfg, meta);
      notes.add("restarting member " + MemberIds.hex(meta.memberId()) + " from " + cfg.dataDir());
    } catch (NoSuchFileException absent) {
      refuseNonEmpty(memberDir);
      if (cfg.initialClusterState() == ClusterState.EXISTING) {
        joined = join.lookup(cfg);
      }
      meta = firstStart(cfg, memberDir, groupId, joined);
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
        joined != null
            ? new ClusterMembers(joined.peers(), joined.names())
            : ClusterMembers.of(InitialCluster.parse(meta.initialCluster()), meta.clusterToken());
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
        RaftNode.bootstrap(store, foundingContexts(members));
        notes.add("bootstrapped founding voters " + hexIds(members));
      }
    } catch (StartupException | RuntimeException e) {
      store.close();
      throw e;
    }
    return new Opened(meta, members, store, notes);
  }

  /**
   * Each founding member's bootstrap entry carries its name and peer URLs, so the replicated member
   * table knows them (and members that join later learn them from the log).
   */
  public static SortedMap<Long, Bytes> foundingContexts(ClusterMembers members) {
    TreeMap<Long, Bytes> contexts = new java.util.TreeMap<>();
    members
        .byId()
        .forEach(
            (id, urls) ->
                contexts.put(id, MemberContext.found(members.names().get(id), urls).encode()));
    return contexts;
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

  private static void refuseNonEmpty(Path memberDir) throws StartupException {
    try {
      if (Files.isDirectory(memberDir) && !isEmpty(memberDir)) {
        throw new StartupException(
            memberDir
                + " holds files but no Synod member metadata (an etcd data dir, or another"
                + " program's?); refusing to start: move it away to start a new member");
      }
    } catch (IOException e) {
      throw new StartupException("cannot read " + memberDir + ": " + e, e);
    }
  }

  private static MemberMetadata firstStart(
      ServerConfig cfg, Path memberDir, long groupId, JoinLookup.Joined joined)
      throws StartupException {
    try {
      ClusterMembers members = ClusterMembers.of(cfg.initialCluster(), cfg.initialClusterToken());
      MemberMetadata meta =
          new MemberMetadata(
              cfg.name(),
              joined != null ? joined.memberId() : members.idOf(cfg.name()),
              joined != null ? joined.clusterId() : members.clusterId(),
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
