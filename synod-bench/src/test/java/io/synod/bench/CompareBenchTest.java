package io.synod.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CompareBenchTest {

  private static CompareBench parse(String... args) {
    CompareBench bench = new CompareBench();
    LoadBench.commandLine(bench).parseArgs(args);
    return bench;
  }

  @Test
  void theMatrixIsTheIssues() {
    assertThat(CompareBench.MATRIX.stream().map(CompareBench.Cell::name))
        .containsExactly(
            "put-1",
            "put-64",
            "put-256",
            "range-64",
            "range-serializable-64",
            "txn-cas-64",
            "lease-16",
            "lock-16",
            "lock-recipe-16",
            "watch-16");
  }

  @Test
  void quickShrinksDurationAndKeysButExplicitOptionsWin() {
    CompareBench.Settings full = parse().settings();
    assertThat(full.seconds()).isEqualTo(10);
    assertThat(full.warmupSeconds()).isEqualTo(15);
    assertThat(full.keys()).isEqualTo(10_000);
    assertThat(full.clusterWarmupSeconds()).isEqualTo(180);
    assertThat(full.rssKeys()).isEqualTo(1_000_000);
    assertThat(full.cells()).isEqualTo(CompareBench.MATRIX);
    assertThat(full.targets()).containsExactly(LocalCluster.Kind.SYNOD, LocalCluster.Kind.ETCD);

    CompareBench.Settings quick = parse("--quick", "--seconds", "5").settings();
    assertThat(quick.seconds()).isEqualTo(5);
    assertThat(quick.warmupSeconds()).isEqualTo(1);
    assertThat(quick.keys()).isEqualTo(1000);
    assertThat(quick.fioSeconds()).isEqualTo(3);
    assertThat(quick.clusterWarmupSeconds()).isEqualTo(10);
    assertThat(quick.rssKeys()).isEqualTo(100_000);

    CompareBench.Settings none = parse("--quick", "--rss-keys", "0").settings();
    assertThat(none.rssKeys()).isZero();
    assertThatThrownBy(() -> parse("--rss-keys", "-1").settings())
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("--rss-keys");
  }

  @Test
  void cellsAndTargetsCanBeNarrowedAndReordered() {
    CompareBench.Settings s =
        parse("--cells", "lock-16,put-1", "--targets", "etcd,synod").settings();
    assertThat(s.cells().stream().map(CompareBench.Cell::name)).containsExactly("lock-16", "put-1");
    assertThat(s.targets()).containsExactly(LocalCluster.Kind.ETCD, LocalCluster.Kind.SYNOD);
    assertThatThrownBy(() -> parse("--cells", "put-2").settings())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("put-64");
    assertThatThrownBy(() -> parse("--targets", "zookeeper").settings())
        .isInstanceOf(CommandLine.ParameterException.class);
  }

  @Test
  void aCellBecomesTheSameSpecForBothTargets() {
    CompareBench b = parse("--quick");
    CompareBench.Settings s = b.settings();
    LoadSpec lock = b.spec(CompareBench.select(List.of("lock-16")).get(0), s);
    assertThat(lock.keys()).isEqualTo(1);
    assertThat(lock.clients()).isEqualTo(16);
    LoadSpec watch = b.spec(CompareBench.select(List.of("watch-16")).get(0), s);
    assertThat(watch.ratePerSecond()).isEqualTo(200);
    assertThat(watch.openLoop()).isTrue();
    LoadSpec range = b.spec(CompareBench.select(List.of("range-64")).get(0), s);
    assertThat(range.keys()).isEqualTo(1000);
  }

  @Test
  void membersGetEtcdsFlagsOnTheirOwnPorts() {
    List<String> cmd =
        LocalCluster.memberCommand(
            LocalCluster.Kind.SYNOD, "bin/synod", Path.of("/d"), 1, 3, 23790, 23800);
    assertThat(String.join(" ", cmd))
        .isEqualTo(
            "bin/synod --name m2 --data-dir /d/m2"
                + " --listen-client-urls http://127.0.0.1:23791"
                + " --advertise-client-urls http://127.0.0.1:23791"
                + " --listen-peer-urls http://127.0.0.1:23801"
                + " --initial-advertise-peer-urls http://127.0.0.1:23801"
                + " --initial-cluster m1=http://127.0.0.1:23800,m2=http://127.0.0.1:23801,"
                + "m3=http://127.0.0.1:23802"
                + " --initial-cluster-token bench-synod --initial-cluster-state new");
    List<String> etcd =
        LocalCluster.memberCommand(
            LocalCluster.Kind.ETCD, "/usr/bin/etcd", Path.of("/d"), 0, 3, 26379, 26389);
    assertThat(etcd)
        .startsWith("/usr/bin/etcd", "--name", "e1")
        .endsWith("--log-outputs", "stderr");
  }
}
