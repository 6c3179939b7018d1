package io.synod.server.member;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.server.ClusterState;
import io.synod.server.LocalCluster;
import io.synod.server.ServerConfig;
import io.synod.server.ServerFlags;
import io.synod.server.StartupException;
import io.synod.storage.FileLogStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirTest {
  private static final FileLogStore.Options STORAGE = new FileLogStore.Options(1 << 20, 2);

  @TempDir Path dir;

  private static ServerConfig parse(List<String> args) {
    StringWriter err = new StringWriter();
    ServerFlags.Parsed p =
        ServerFlags.parse(
            args.toArray(String[]::new),
            Map.of(),
            new PrintWriter(new StringWriter()),
            new PrintWriter(err));
    assertThat(p).as("%s", err).isInstanceOf(ServerFlags.Parsed.Run.class);
    return ((ServerFlags.Parsed.Run) p).config();
  }

  private static List<String> with(List<String> args, String... more) {
    List<String> out = new ArrayList<>();
    for (String a : args) {
      boolean replaced = false;
      for (String m : more) {
        if (a.substring(0, a.indexOf('=')).equals(m.substring(0, m.indexOf('=')))) {
          replaced = true;
        }
      }
      if (!replaced) {
        out.add(a);
      }
    }
    out.addAll(List.of(more));
    return out;
  }

  @Test
  void firstStartWritesMetadataAndBootstrapsTheFoundingVoters() throws Exception {
    LocalCluster c = new LocalCluster(3, dir);
    ServerConfig cfg = c.config(1);
    try (FileLogStore store = DataDir.open(cfg, 1, STORAGE).store()) {
      assertThat(store.lastIndex()).isEqualTo(3);
      assertThat(store.hardState().commit()).isEqualTo(3);
    }
    MemberMetadata meta = MemberMetadata.read(c.dataDir(1).resolve("member"));
    ClusterMembers members = ClusterMembers.of(cfg.initialCluster(), "test-cluster");
    assertThat(meta.name()).isEqualTo("m2");
    assertThat(meta.memberId()).isEqualTo(members.idOf("m2"));
    assertThat(meta.clusterId()).isEqualTo(members.clusterId());
    assertThat(meta.initialCluster()).isEqualTo(cfg.initialCluster().format());
    assertThat(meta.state()).isEqualTo(ClusterState.NEW);
    assertThat(meta.groupId()).isEqualTo(1);
    assertThat(c.dataDir(1).resolve("member/synod-member.tmp")).doesNotExist();
  }

  @Test
  void restartKeepsTheIdentityAndTheLog() throws Exception {
    LocalCluster c = new LocalCluster(3, dir);
    DataDir.Opened first = DataDir.open(c.config(0), 1, STORAGE);
    first.store().close();
    DataDir.Opened again = DataDir.open(c.config(0), 1, STORAGE);
    try (FileLogStore store = again.store()) {
      assertThat(again.metadata()).isEqualTo(first.metadata());
      assertThat(store.lastIndex()).isEqualTo(3);
      assertThat(again.notes()).anyMatch(n -> n.startsWith("restarting member"));
    }
  }

  @Test
  void restartWithoutClusterFlagsUsesTheStoredCluster() throws Exception {
    LocalCluster c = new LocalCluster(3, dir);
    DataDir.open(c.config(0), 1, STORAGE).store().close();
    List<String> bare = new ArrayList<>(c.args(0));
    bare.removeIf(
        a -> a.startsWith("--initial-cluster=") || a.startsWith("--initial-cluster-token="));
    DataDir.Opened again = DataDir.open(parse(bare), 1, STORAGE);
    again.store().close();
    assertThat(again.members().byId()).hasSize(3);
  }

  @Test
  void anotherNameIsRefused() throws Exception {
    LocalCluster c = new LocalCluster(3, dir);
    DataDir.open(c.config(0), 1, STORAGE).store().close();
    ServerConfig other = parse(with(c.args(1), "--data-dir=" + c.dataDir(0)));
    assertThatThrownBy(() -> DataDir.open(other, 1, STORAGE))
        .isInstanceOf(StartupException.class)
        .hasMessageContaining("belongs to member \"m1\", not --name \"m2\"");
  }

  @Test
  void anotherInitialClusterOrTokenIsRefused() throws Exception {
    LocalCluster c = new LocalCluster(3, dir);
    DataDir.open(c.config(0), 1, STORAGE).store().close();
    String peer0 = "http://127.0.0.1:" + c.peerPorts.get(0);
    ServerConfig smaller = parse(with(c.args(0), "--initial-cluster=m1=" + peer0));
    assertThatThrownBy(() -> DataDir.open(smaller, 1, STORAGE))
        .isInstanceOf(StartupException.class)
        .hasMessageContaining("was created with --initial-cluster=");
    ServerConfig token = parse(with(c.args(0), "--initial-cluster-token=other"));
    assertThatThrownBy(() -> DataDir.open(token, 1, STORAGE))
        .isInstanceOf(StartupException.class)
        .hasMessageContaining("cluster token \"test-cluster\", not \"other\"");
  }

  @Test
  void aCorruptLogIsRefusedWithTheStoragesMessage() throws Exception {
    LocalCluster c = new LocalCluster(3, dir);
    DataDir.open(c.config(0), 1, STORAGE).store().close();
    Path segment;
    try (Stream<Path> s = Files.list(DataDir.groupDir(c.dataDir(0), 1).resolve("wal"))) {
      segment = s.filter(p -> p.toString().endsWith(".wal")).findFirst().orElseThrow();
    }
    flipByte(segment, 40);
    assertThatThrownBy(() -> DataDir.open(c.config(0), 1, STORAGE))
        .isInstanceOf(StartupException.class)
        .hasMessageStartingWith("refusing to start: corrupt data in ")
        .hasMessageContaining(segment.getFileName().toString());
  }

  @Test
  void malformedMetadataIsRefused() throws Exception {
    LocalCluster c = new LocalCluster(1, dir);
    DataDir.open(c.config(0), 1, STORAGE).store().close();
    Path meta = c.dataDir(0).resolve("member").resolve(MemberMetadata.FILE_NAME);
    Files.writeString(meta, Files.readString(meta).replace("member-id=", "member-idx="));
    assertThatThrownBy(() -> DataDir.open(c.config(0), 1, STORAGE))
        .isInstanceOf(StartupException.class)
        .hasMessageContaining("missing member-id");
  }

  @Test
  void aForeignMemberDirectoryIsRefused() throws Exception {
    LocalCluster c = new LocalCluster(1, dir);
    Path member = c.dataDir(0).resolve("member");
    Files.createDirectories(member.resolve("wal"));
    Files.writeString(member.resolve("wal/0000000000000000-0000000000000000.wal"), "etcd");
    assertThatThrownBy(() -> DataDir.open(c.config(0), 1, STORAGE))
        .isInstanceOf(StartupException.class)
        .hasMessageContaining("no Synod member metadata");
  }

  @Test
  void anExistingClusterMemberStartsWithAnEmptyLog() throws Exception {
    LocalCluster c = new LocalCluster(3, dir);
    ServerConfig joiner = parse(with(c.args(2), "--initial-cluster-state=existing"));
    DataDir.Opened opened = DataDir.open(joiner, 1, STORAGE);
    try (FileLogStore store = opened.store()) {
      assertThat(store.lastIndex()).isZero();
      assertThat(opened.metadata().state()).isEqualTo(ClusterState.EXISTING);
    }
  }

  @Test
  void metadataRoundTrips(@TempDir Path d) throws IOException {
    MemberMetadata m =
        new MemberMetadata(
            "n", 0x7fL, 0x8e9e05c52164694dL, "tok", "n=http://h:1", ClusterState.NEW, 1);
    m.write(d);
    assertThat(MemberMetadata.read(d)).isEqualTo(m);
  }

  private static void flipByte(Path file, long offset) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(offset);
      int b = f.read();
      f.seek(offset);
      f.write(b ^ 0x10);
    }
  }
}
