package io.synod.server.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.server.Await;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster and Maintenance through the stock etcdctl 3.4 against real member processes: the member
 * lifecycle (list, add a learner, join with {@code existing}, promote, update, remove, which stops
 * the member), endpoint status and hashkv, alarms, defragmentation, move-leader, the backend quota,
 * and a snapshot saved with {@code etcdctl snapshot save} restored with {@code synod snapshot
 * restore} into a new cluster with the same keys and hash.
 */
class ClusterMaintenanceIT {
  private static final Pattern ADDED =
      // etcdctl prints ids with %16x: an id below 2^60 comes padded with spaces.
      Pattern.compile("Member +([0-9a-f]+) added to cluster +([0-9a-f]+)");

  @TempDir Path dir;
  private final List<ProcessMembers> clusters = new ArrayList<>();

  @AfterEach
  void stop() {
    clusters.forEach(ProcessMembers::close);
  }

  private ProcessMembers cluster(String token, String... extraFlags) {
    ProcessMembers p = new ProcessMembers(dir.resolve(token), token, extraFlags);
    clusters.add(p);
    return p;
  }

  private ProcessMembers founded(String... extraFlags) {
    ProcessMembers p = cluster("it", extraFlags).reserve("m1", "m2", "m3");
    p.startAll();
    p.awaitHealthy("m1", "m2", "m3");
    return p;
  }

  /** etcdctl's member list line of the member with {@code id}, or null. */
  private static String line(Etcdctl.Result list, String id) {
    return list.lines().stream().filter(l -> l.startsWith(id + ", ")).findFirst().orElse(null);
  }

  /** endpoint status fields: endpoint, id, version, size, leader, learner, term, index, applied. */
  private static List<String[]> status(Etcdctl etcdctl, String... extra) {
    List<String> args = new ArrayList<>(List.of("endpoint", "status"));
    args.addAll(List.of(extra));
    List<String[]> out = new ArrayList<>();
    for (String l : etcdctl.ok(args.toArray(String[]::new)).lines()) {
      out.add(l.split(", ", -1));
    }
    return out;
  }

  @Test
  void etcdctlAddsALearnerThatJoinsIsPromotedUpdatedAndRemoved() throws Exception {
    ProcessMembers p = founded();
    Etcdctl etcdctl = Etcdctl.require(p.endpoints("m1", "m2", "m3"), dir.resolve("etcdctl"));
    Etcdctl.Result three =
        Await.value(
            ProcessMembers.LIMIT,
            "three started members",
            () -> {
              Etcdctl.Result r = etcdctl.run("member", "list");
              return r.exit() == 0
                      && r.lines().stream().filter(l -> l.contains(", started, m")).count() == 3
                  ? r
                  : null;
            });
    for (String name : List.of("m1", "m2", "m3")) {
      ProcessMembers.Node n = p.nodes.get(name);
      assertThat(three.lines())
          .anyMatch(
              l ->
                  l.matches(
                      "[0-9a-f]+, started, "
                          + name
                          + ", "
                          + Pattern.quote(n.peerUrl())
                          + ", "
                          + Pattern.quote(n.clientUrl())
                          + ", false"));
    }

    p.reserve("m4");
    ProcessMembers.Node m4 = p.nodes.get("m4");
    Etcdctl.Result added =
        etcdctl.ok("member", "add", "m4", "--peer-urls=" + m4.peerUrl(), "--learner");
    Matcher m = ADDED.matcher(added.out());
    assertThat(m.find()).as(added.out()).isTrue();
    String id = m.group(1);
    assertThat(added.out()).contains("ETCD_INITIAL_CLUSTER_STATE=\"existing\"");
    assertThat(line(etcdctl.ok("member", "list"), id))
        .isEqualTo(id + ", unstarted, , " + m4.peerUrl() + ", , true");

    p.start("m4", p.initialCluster(), "existing");
    Await.until(
        ProcessMembers.LIMIT,
        "m4 started as a learner\n" + p.tail("m4"),
        () ->
            (id + ", started, m4, " + m4.peerUrl() + ", " + m4.clientUrl() + ", true")
                .equals(line(etcdctl.run("member", "list"), id)));
    assertThat(status(etcdctl.at(m4.endpoint())).get(0)[5]).as("IS LEARNER").isEqualTo("true");

    Await.until(
        ProcessMembers.LIMIT,
        "the learner is promoted once in sync",
        () -> {
          Etcdctl.Result r = etcdctl.run("member", "promote", id);
          if (r.exit() == 0) {
            assertThat(r.out()).contains("Member " + id + " promoted in cluster ");
            return true;
          }
          assertThat(r.err())
              .contains(
                  "etcdserver: can only promote a learner member which is in sync with leader");
          return false;
        });
    assertThat(line(etcdctl.ok("member", "list"), id)).endsWith(", false");
    assertThat(etcdctl.ok("member", "update", id, "--peer-urls=" + m4.peerUrl()).out())
        .contains("Member " + id + " updated in cluster ");

    Etcdctl.Result notFound = etcdctl.run("member", "remove", "1234");
    assertThat(notFound.exit()).isNotZero();
    assertThat(notFound.err()).contains("Error: etcdserver: member not found");
    Etcdctl.Result taken =
        etcdctl.run("member", "add", "m5", "--peer-urls=" + p.nodes.get("m2").peerUrl());
    assertThat(taken.err()).contains("Error: etcdserver: Peer URLs already exists");

    assertThat(etcdctl.ok("member", "remove", id).out())
        .contains("Member " + id + " removed from cluster ");
    assertThat(p.awaitExit("m4")).as("a removed member stops cleanly").isZero();
    assertThat(p.log("m4")).contains("was removed from the cluster").doesNotContain("SEVERE");
    assertThat(etcdctl.ok("member", "list").lines()).hasSize(3);
    etcdctl.ok("put", "after", "removal");
  }

  @Test
  void endpointStatusHashkvAlarmsDefragAndMoveLeader() throws Exception {
    ProcessMembers p = founded();
    Etcdctl etcdctl = Etcdctl.require(p.endpoints("m1", "m2", "m3"), dir.resolve("etcdctl"));
    for (int i = 0; i < 10; i++) {
      etcdctl.ok("put", "k" + i, "v" + i);
    }

    List<String[]> st = status(etcdctl);
    assertThat(st).hasSize(3);
    assertThat(st).filteredOn(f -> f[4].equals("true")).hasSize(1);
    assertThat(st).allMatch(f -> f[2].equals("3.4.23") && f[5].equals("false"));
    Await.until(
        ProcessMembers.LIMIT,
        "equal hashkv on every member",
        () -> {
          Set<String> hashes = new HashSet<>();
          for (String l : etcdctl.ok("endpoint", "hashkv", "--cluster").lines()) {
            hashes.add(l.substring(l.indexOf(", ") + 2));
          }
          return hashes.size() == 1;
        });
    assertThat(etcdctl.ok("alarm", "list").out()).isEmpty();
    Etcdctl.Result defrag = etcdctl.ok("defrag");
    for (String name : List.of("m1", "m2", "m3")) {
      assertThat(defrag.out())
          .contains("Finished defragmenting etcd member[" + p.nodes.get(name).endpoint() + "]");
    }

    String leaderId = st.stream().filter(f -> f[4].equals("true")).findFirst().orElseThrow()[1];
    String targetId = st.stream().filter(f -> f[4].equals("false")).findFirst().orElseThrow()[1];
    assertThat(etcdctl.ok("move-leader", targetId).out())
        .contains("Leadership transferred from " + leaderId + " to " + targetId);
    Await.until(
        ProcessMembers.LIMIT,
        "every member names the new leader",
        () ->
            status(etcdctl).stream()
                .allMatch(f -> f[4].equals(String.valueOf(f[1].equals(targetId)))));
    Etcdctl.Result bad = etcdctl.run("move-leader", "1234");
    assertThat(bad.exit()).isNotZero();
    assertThat(bad.err()).contains("Error: etcdserver: bad leader transferee");
    etcdctl.ok("put", "after", "move");
  }

  @Test
  void theQuotaRaisesNoSpaceUntilCompactionDefragAndDisarm() throws Exception {
    ProcessMembers p = cluster("quota", "--quota-backend-bytes=120000").reserve("q1");
    p.startAll();
    p.awaitHealthy("q1");
    Etcdctl etcdctl = Etcdctl.require(p.endpoints("q1"), dir.resolve("etcdctl"));
    String big = "x".repeat(8_000);

    Etcdctl.Result refused = null;
    for (int i = 0; i < 100 && refused == null; i++) {
      Etcdctl.Result r = etcdctl.run("put", "big", big + i);
      if (r.exit() != 0) {
        refused = r;
      }
    }
    assertThat(refused).as("the quota refused a put").isNotNull();
    assertThat(refused.err()).contains("Error: etcdserver: mvcc: database space exceeded");
    Await.until(
        ProcessMembers.LIMIT,
        "alarm list shows NOSPACE",
        () -> etcdctl.ok("alarm", "list").out().matches("memberID:\\d+ alarm:NOSPACE \\n"));
    assertThat(status(etcdctl).get(0)[9]).contains("alarm:NOSPACE");

    String json = etcdctl.ok("get", "big", "-w", "json").out();
    Matcher rev = Pattern.compile("\"revision\":(\\d+)").matcher(json);
    assertThat(rev.find()).isTrue();
    assertThat(etcdctl.ok("compaction", rev.group(1)).out())
        .contains("compacted revision " + rev.group(1));
    etcdctl.ok("defrag");
    assertThat(etcdctl.ok("alarm", "disarm").out()).matches("memberID:\\d+ alarm:NOSPACE \\n");
    Await.until(
        ProcessMembers.LIMIT,
        "puts are taken again",
        () -> etcdctl.run("put", "big", big).exit() == 0);
    assertThat(etcdctl.ok("alarm", "list").out()).isEmpty();
  }

  @Test
  void aSnapshotSavedByEtcdctlRestoresIntoANewClusterWithTheSameKeysAndHash() throws Exception {
    ProcessMembers old = founded();
    Etcdctl etcdctl = Etcdctl.require(old.endpoints("m1", "m2", "m3"), dir.resolve("etcdctl"));
    for (int i = 0; i < 100; i++) {
      etcdctl.ok("put", "s/" + i, "value-" + i);
    }
    etcdctl.ok("del", "s/7");
    Etcdctl one = etcdctl.at(old.nodes.get("m2").endpoint());
    Await.until(
        ProcessMembers.LIMIT,
        "m2 applied every write",
        () ->
            one.ok("get", "s/", "--prefix", "--keys-only", "--consistency=s").lines().stream()
                    .filter(l -> !l.isEmpty())
                    .count()
                == 99);
    String hash = one.ok("endpoint", "hashkv").out().split(", ")[1].trim();
    Path file = dir.resolve("backup.db");

    Etcdctl.Result saved = one.ok("snapshot", "save", file.toString());

    assertThat(saved.out()).contains("Snapshot saved at " + file);
    assertThat(Files.size(file) % 512).isEqualTo(32);
    Etcdctl.Result status = one.run("snapshot", "status", file.toString());
    assertThat(status.exit())
        .as("etcdctl snapshot status reads bbolt files only (documented)")
        .isNotZero();

    ProcessMembers fresh = cluster("restored").reserve("r1", "r2", "r3");
    for (String name : List.of("r1", "r2", "r3")) {
      restore(fresh, name, file);
    }
    for (String name : List.of("r1", "r2", "r3")) {
      fresh.start(name, fresh.initialCluster(), "new");
    }
    fresh.awaitHealthy("r1", "r2", "r3");
    Etcdctl restored = etcdctl.at(fresh.endpoints("r1", "r2", "r3"));
    List<String> keys = restored.ok("get", "s/", "--prefix", "--keys-only").lines();
    assertThat(keys.stream().filter(l -> !l.isEmpty())).hasSize(99).doesNotContain("s/7");
    assertThat(restored.ok("get", "s/42", "--print-value-only").out()).isEqualTo("value-42\n");
    Await.until(
        ProcessMembers.LIMIT,
        "every restored member has the old hash",
        () ->
            restored.ok("endpoint", "hashkv", "--cluster").lines().stream()
                .allMatch(l -> l.endsWith(", " + hash)));
    assertThat(restored.ok("member", "list").out()).contains(", r1, ", ", r2, ", ", r3, ");
    restored.ok("put", "s/new", "v");
  }

  private static void restore(ProcessMembers p, String name, Path file)
      throws IOException, InterruptedException {
    List<String> cmd =
        ProcessMembers.java(
            List.of(
                "snapshot",
                "restore",
                file.toString(),
                "--data-dir=" + p.dataDir(name),
                "--name=" + name,
                "--initial-cluster=" + p.initialCluster(),
                "--initial-cluster-token=restored",
                "--initial-advertise-peer-urls=" + p.nodes.get(name).peerUrl()));
    Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out =
        new String(proc.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(proc.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(proc.exitValue()).as(out).isZero();
    assertThat(out).contains("restored snapshot");
  }
}
