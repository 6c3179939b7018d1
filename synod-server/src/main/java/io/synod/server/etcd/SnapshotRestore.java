package io.synod.server.etcd;

import io.synod.common.Bytes;
import io.synod.kv.KvCodecException;
import io.synod.kv.KvConfig;
import io.synod.kv.KvStateMachine;
import io.synod.raft.ConfChange;
import io.synod.raft.ConfState;
import io.synod.raft.Entry;
import io.synod.raft.RaftNode;
import io.synod.raft.SnapshotMeta;
import io.synod.server.ClusterState;
import io.synod.server.InitialCluster;
import io.synod.server.PeerUrls;
import io.synod.server.SynodServer;
import io.synod.server.cluster.ClusterTable;
import io.synod.server.member.ClusterMembers;
import io.synod.server.member.DataDir;
import io.synod.server.member.MemberIds;
import io.synod.server.member.MemberMetadata;
import io.synod.storage.FileLogStore;
import io.synod.storage.StorageException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * {@code bin/synod snapshot restore FILE --data-dir D --name N --initial-cluster ...
 * --initial-advertise-peer-urls ... [--initial-cluster-token T] [--skip-hash-check]}: makes the
 * data directory of one member of a new cluster whose key-value state is the {@link
 * SnapshotFile}'s, as etcd 3.4's {@code etcdctl snapshot restore} does for an etcd snapshot. Run it
 * once per member of the new cluster with the same {@code --initial-cluster}, then start every
 * member with the same flags ({@code --initial-cluster-state new}).
 *
 * <p>The directory holds the member metadata and a Raft log with the founding members' entries
 * (indexes 1 to n, term 1, committed) and a snapshot at index n of the member table and the
 * restored store. Exit codes: 0 restored, 1 the file or the directory was refused, 2 usage.
 */
public final class SnapshotRestore {
  private static final String USAGE =
      "usage: synod snapshot restore FILE --data-dir DIR --name NAME --initial-cluster"
          + " NAME=URL,... --initial-advertise-peer-urls URL [--initial-cluster-token TOKEN]"
          + " [--skip-hash-check]";

  private SnapshotRestore() {}

  /** Runs {@code synod snapshot ARGS...}; returns the exit code. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    Map<String, String> flags = new LinkedHashMap<>();
    String file = null;
    if (args.length == 0 || !args[0].equals("restore")) {
      err.println(USAGE);
      return 2;
    }
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        if (file != null) {
          err.println("synod snapshot restore: one snapshot file only\n" + USAGE);
          return 2;
        }
        file = a;
        continue;
      }
      int eq = a.indexOf('=');
      if (eq > 0) {
        flags.put(a.substring(0, eq), a.substring(eq + 1));
      } else if (a.equals("--skip-hash-check")) {
        flags.put(a, "true");
      } else if (i + 1 < args.length) {
        flags.put(a, args[++i]);
      } else {
        err.println("synod snapshot restore: " + a + " needs a value\n" + USAGE);
        return 2;
      }
    }
    if (file == null) {
      err.println(USAGE);
      return 2;
    }
    try {
      Restore r = Restore.of(flags);
      String done = r.restore(Path.of(file));
      out.println(done);
      return 0;
    } catch (IllegalArgumentException e) {
      err.println("synod snapshot restore: " + e.getMessage());
      return 2;
    } catch (RefusedException e) {
      err.println("synod snapshot restore: " + e.getMessage());
      return 1;
    }
  }

  /** The file or the data directory was refused. */
  static final class RefusedException extends Exception {
    RefusedException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** One restore, its flags parsed. */
  record Restore(
      Path dataDir,
      String name,
      InitialCluster cluster,
      String token,
      List<String> peerUrls,
      boolean skipHashCheck) {
    static Restore of(Map<String, String> flags) {
      for (String f : flags.keySet()) {
        if (!List.of(
                "--data-dir",
                "--name",
                "--initial-cluster",
                "--initial-cluster-token",
                "--initial-advertise-peer-urls",
                "--skip-hash-check")
            .contains(f)) {
          throw new IllegalArgumentException("unknown flag " + f);
        }
      }
      // etcdctl's defaults.
      String name = flags.getOrDefault("--name", "default");
      List<String> peers =
          PeerUrls.parseList(
              "--initial-advertise-peer-urls",
              flags.getOrDefault("--initial-advertise-peer-urls", "http://localhost:2380"));
      InitialCluster cluster =
          InitialCluster.parse(
              flags.getOrDefault("--initial-cluster", name + "=" + String.join(",", peers)));
      List<String> mine = cluster.members().get(name);
      if (mine == null) {
        throw new IllegalArgumentException(
            "--initial-cluster has no member named \"" + name + "\"");
      }
      if (!mine.equals(List.copyOf(new TreeSet<>(peers)))) {
        throw new IllegalArgumentException(
            "--initial-cluster gives "
                + name
                + " the peer URLs "
                + mine
                + ", --initial-advertise-peer-urls "
                + peers);
      }
      return new Restore(
          Path.of(flags.getOrDefault("--data-dir", name + ".etcd")),
          name,
          cluster,
          flags.getOrDefault("--initial-cluster-token", "etcd-cluster"),
          peers,
          flags.containsKey("--skip-hash-check"));
    }

    String restore(Path file) throws RefusedException {
      SnapshotFile snap = read(file);
      checkImage(snap.image());
      refuseExisting(dataDir);
      ClusterMembers members = ClusterMembers.of(cluster, token);
      long self = members.idOf(name);
      MemberMetadata meta =
          new MemberMetadata(
              name,
              self,
              members.clusterId(),
              token,
              cluster.format(),
              ClusterState.NEW,
              SynodServer.GROUP_ID);
      Path memberDir = dataDir.resolve("member");
      try {
        Files.createDirectories(memberDir);
        meta.write(memberDir);
      } catch (IOException e) {
        throw new RefusedException("cannot create " + memberDir + ": " + e, e);
      }
      try (FileLogStore store =
          FileLogStore.open(
              DataDir.groupDir(dataDir, SynodServer.GROUP_ID),
              SynodServer.GROUP_ID,
              FileLogStore.Options.defaults())) {
        RaftNode.bootstrap(store, DataDir.foundingContexts(members));
        long last = store.lastIndex();
        ClusterTable table = new ClusterTable();
        for (Entry e : store.entries(1, last + 1, Long.MAX_VALUE)) {
          table.applyConfChange(ConfChange.decode(e.data()));
        }
        store.saveSnapshot(last, table.conf(), EtcdStateMachine.join(table.image(), snap.image()));
        store.sync();
      } catch (StorageException e) {
        throw new RefusedException("cannot write the Raft log: " + e.getMessage(), e);
      }
      return "restored snapshot "
          + file
          + " (revision "
          + snap.revision()
          + " of cluster "
          + MemberIds.hex(snap.clusterId())
          + ") to "
          + dataDir
          + ": member "
          + MemberIds.hex(self)
          + " ("
          + name
          + ") of new cluster "
          + MemberIds.hex(members.clusterId());
    }

    private SnapshotFile read(Path file) throws RefusedException {
      Bytes data;
      try {
        data = Bytes.wrapOwned(Files.readAllBytes(file));
      } catch (NoSuchFileException e) {
        throw new RefusedException("no such file: " + file, e);
      } catch (IOException e) {
        throw new RefusedException("cannot read " + file + ": " + e, e);
      }
      if (skipHashCheck) {
        Bytes body = data.size() % 512 == 32 ? data.slice(0, data.size() - 32) : data;
        data = body.concat(Bytes.wrapOwned(SnapshotFile.sha256(body)));
      }
      try {
        return SnapshotFile.decode(data);
      } catch (IllegalArgumentException e) {
        throw new RefusedException(file + ": " + e.getMessage(), e);
      }
    }

    private static void checkImage(Bytes image) throws RefusedException {
      try {
        new KvStateMachine(KvConfig.defaults())
            .restore(new SnapshotMeta(1, 1, ConfState.EMPTY), image);
      } catch (KvCodecException | IllegalArgumentException e) {
        throw new RefusedException(
            "the snapshot's key-value image is damaged: " + e.getMessage(), e);
      }
    }

    private static void refuseExisting(Path dir) throws RefusedException {
      if (!Files.exists(dir)) {
        return;
      }
      try (Stream<Path> s = Files.list(dir)) {
        if (s.findAny().isPresent()) {
          throw new RefusedException("data-dir \"" + dir + "\" exists and is not empty", null);
        }
      } catch (IOException e) {
        throw new RefusedException("cannot read " + dir + ": " + e, e);
      }
    }
  }
}
