package io.synod.server.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.cluster.MemberAddResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.maintenance.AlarmMember;
import io.etcd.jetcd.maintenance.AlarmType;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.options.GetOption;
import io.synod.server.Await;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Membership changes under load, through jetcd's Cluster and Maintenance clients, against real
 * member processes: while writers put unique keys, a member is added and joins, then the leader is
 * removed (it hands leadership over and its process exits); afterwards every acknowledged write is
 * on every remaining member and their HashKV agree. Also jetcd's Maintenance calls: status, hashkv,
 * alarms, defragment, move-leader and snapshot.
 */
class MembershipUnderLoadIT {
  private static final int WRITERS = 3;

  @TempDir Path dir;
  private ProcessMembers p;
  private final List<Client> clients = new ArrayList<>();

  @AfterEach
  void stop() {
    clients.forEach(Client::close);
    if (p != null) {
      p.close();
    }
  }

  private Client client(String... names) {
    List<String> urls = new ArrayList<>();
    for (String n : names) {
      urls.add(p.nodes.get(n).clientUrl());
    }
    Client c = Client.builder().endpoints(urls.toArray(String[]::new)).build();
    clients.add(c);
    return c;
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private StatusResponse status(Client c, String name) throws Exception {
    return c.getMaintenanceClient()
        .statusMember(p.nodes.get(name).clientUrl())
        .get(10, TimeUnit.SECONDS);
  }

  /** The name of the member that says it leads. */
  private String leader(Client c, List<String> names) {
    return Await.value(
        ProcessMembers.LIMIT,
        "a leader",
        () -> {
          for (String n : names) {
            try {
              StatusResponse s = status(c, n);
              if (s.getLeader() != 0 && s.getLeader() == s.getHeader().getMemberId()) {
                return n;
              }
            } catch (Exception notNow) {
              // try the next one
            }
          }
          return null;
        });
  }

  @Test
  void noAcknowledgedWriteIsLostWhileAMemberJoinsAndTheLeaderIsRemoved() throws Exception {
    p = new ProcessMembers(dir, "load").reserve("m1", "m2", "m3");
    p.startAll();
    p.awaitHealthy("m1", "m2", "m3");
    Client admin = client("m1", "m2", "m3");

    Map<String, String> acknowledged = new ConcurrentHashMap<>();
    AtomicLong failed = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> writers = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      Client c = client("m1", "m2", "m3");
      int writer = w;
      Thread t =
          new Thread(
              () -> {
                for (long seq = 0; !stop.get(); seq++) {
                  String key = "load/" + writer + "/" + seq;
                  try {
                    c.getKVClient().put(bs(key), bs("v" + seq)).get(10, TimeUnit.SECONDS);
                    acknowledged.put(key, "v" + seq);
                  } catch (Exception e) {
                    failed.incrementAndGet(); // not acknowledged: may or may not have applied
                    if (e instanceof InterruptedException) {
                      return;
                    }
                  }
                }
              },
              "writer-" + w);
      t.start();
      writers.add(t);
    }
    Await.until(ProcessMembers.LIMIT, "writes flow", () -> acknowledged.size() > 50);

    // Add a voter while the writes go on; it joins and catches up.
    p.reserve("m4");
    MemberAddResponse added =
        admin
            .getClusterClient()
            .addMember(List.of(URI.create(p.nodes.get("m4").peerUrl())))
            .get(30, TimeUnit.SECONDS);
    long m4 = added.getMember().getId();
    p.start("m4", p.initialCluster(), "existing");
    Await.until(
        ProcessMembers.LIMIT,
        "m4 started\n" + p.tail("m4"),
        () -> {
          try {
            return admin
                .getClusterClient()
                .listMember()
                .get(10, TimeUnit.SECONDS)
                .getMembers()
                .stream()
                .anyMatch(m -> m.getId() == m4 && m.getName().equals("m4"));
          } catch (Exception e) {
            return false;
          }
        });
    long before = acknowledged.size();
    Await.until(
        ProcessMembers.LIMIT, "writes flow with m4", () -> acknowledged.size() > before + 50);

    // Remove the leader: it hands over and stops.
    String leader = leader(admin, List.of("m1", "m2", "m3", "m4"));
    long leaderId = status(admin, leader).getHeader().getMemberId();
    List<String> rest = new ArrayList<>(List.of("m1", "m2", "m3", "m4"));
    rest.remove(leader);
    Client survivors = client(rest.toArray(String[]::new));
    List<Member> left =
        survivors.getClusterClient().removeMember(leaderId).get(30, TimeUnit.SECONDS).getMembers();
    assertThat(left).extracting(Member::getId).doesNotContain(leaderId).hasSize(3);
    assertThat(p.awaitExit(leader)).isZero();
    assertThat(p.log(leader)).contains("was removed from the cluster");
    long afterRemoval = acknowledged.size();
    Await.until(
        ProcessMembers.LIMIT,
        "writes flow after the leader left",
        () -> acknowledged.size() > afterRemoval + 50);

    stop.set(true);
    for (Thread t : writers) {
      t.join(TimeUnit.SECONDS.toMillis(30));
      assertThat(t.isAlive()).isFalse();
    }

    // Every acknowledged write is on every remaining member (linearizable reads at each one).
    Set<Integer> hashes = new HashSet<>();
    long revision = 0;
    for (String name : rest) {
      Client one = client(name);
      GetResponse all =
          one.getKVClient()
              .get(bs("load/"), GetOption.builder().isPrefix(true).build())
              .get(30, TimeUnit.SECONDS);
      Map<String, String> found = new ConcurrentHashMap<>();
      all.getKvs()
          .forEach(
              kv ->
                  found.put(
                      kv.getKey().toString(StandardCharsets.UTF_8),
                      kv.getValue().toString(StandardCharsets.UTF_8)));
      assertThat(found)
          .as(name + " holds every acknowledged write")
          .containsAllEntriesOf(acknowledged);
      revision = Math.max(revision, all.getHeader().getRevision());
    }
    long rev = revision;
    Await.until(
        ProcessMembers.LIMIT,
        "equal HashKV on every remaining member at revision " + rev,
        () -> {
          hashes.clear();
          for (String name : rest) {
            try {
              hashes.add(
                  survivors
                      .getMaintenanceClient()
                      .hashKV(p.nodes.get(name).clientUrl(), rev)
                      .get(10, TimeUnit.SECONDS)
                      .getHash());
            } catch (Exception e) {
              return false;
            }
          }
          return hashes.size() == 1;
        });
    assertThat(acknowledged.size()).isGreaterThan(150);
  }

  @Test
  void jetcdsMaintenanceClientWorks() throws Exception {
    p = new ProcessMembers(dir, "jm").reserve("m1", "m2", "m3");
    p.startAll();
    p.awaitHealthy("m1", "m2", "m3");
    Client all = client("m1", "m2", "m3");
    for (int i = 0; i < 20; i++) {
      all.getKVClient().put(bs("j/" + i), bs("v")).get(10, TimeUnit.SECONDS);
    }
    String leader = leader(all, List.of("m1", "m2", "m3"));
    String follower =
        List.of("m1", "m2", "m3").stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
    long followerId = status(all, follower).getHeader().getMemberId();

    assertThat(status(all, follower).getVersion()).isEqualTo("3.4.23");
    assertThat(all.getMaintenanceClient().listAlarms().get(10, TimeUnit.SECONDS).getAlarms())
        .isEmpty();
    all.getMaintenanceClient()
        .defragmentMember(p.nodes.get(follower).clientUrl())
        .get(10, TimeUnit.SECONDS);
    assertThat(
            all.getMaintenanceClient()
                .hashKV(p.nodes.get(follower).clientUrl(), 0)
                .get(10, TimeUnit.SECONDS)
                .getCompacted())
        .isEqualTo(-1);
    assertThat(
            all.getMaintenanceClient()
                .alarmDisarm(new AlarmMember(followerId, AlarmType.NOSPACE))
                .get(10, TimeUnit.SECONDS)
                .getAlarms())
        .as("nothing raised, nothing disarmed")
        .isEmpty();

    ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
    long bytes =
        client(follower).getMaintenanceClient().snapshot(snapshot).get(30, TimeUnit.SECONDS);
    assertThat(bytes).isEqualTo(snapshot.size());
    assertThat(bytes % 512).isEqualTo(32);

    client(leader).getMaintenanceClient().moveLeader(followerId).get(30, TimeUnit.SECONDS);
    Await.until(
        ProcessMembers.LIMIT,
        "the follower leads",
        () -> {
          try {
            return status(all, follower).getLeader() == followerId;
          } catch (Exception e) {
            return false;
          }
        });
  }
}
