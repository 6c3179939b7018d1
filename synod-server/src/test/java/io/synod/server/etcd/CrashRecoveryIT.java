package io.synod.server.etcd;

import static io.synod.server.etcd.KvServiceTest.bs;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DynamicMessage;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveResponse;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.support.CloseableClient;
import io.etcd.jetcd.watch.WatchEvent;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.synod.server.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crashes and restarts of real member processes: SIGKILL of the leader under concurrent jetcd
 * writes loses no acknowledged write, and a restart of the whole cluster on its data dirs brings
 * back every key, revision, the history since the compaction point and the leases.
 */
class CrashRecoveryIT {
  private static final Duration LIMIT = EtcdProcesses.LIMIT;

  @TempDir Path dir;

  /** A write the cluster acknowledged: the key holds the value at that revision. */
  private record Ack(String key, String value, long revision) {}

  /** One client writing distinct keys one after the other, recording what was acknowledged. */
  private static final class Writer extends Thread {
    private static final int WRITES_MAX = 100_000;
    final List<Ack> acks = new CopyOnWriteArrayList<>();
    final List<String> failures = new CopyOnWriteArrayList<>();
    private final Client client;
    private final int id;
    private final AtomicBoolean stop;

    Writer(Client client, int id, AtomicBoolean stop) {
      super("writer-" + id);
      this.client = client;
      this.id = id;
      this.stop = stop;
    }

    @Override
    public void run() {
      for (int n = 0; n < WRITES_MAX && !stop.get(); n++) {
        String key = "load/" + id + "/" + n;
        String value = "v" + n;
        try {
          long rev =
              client
                  .getKVClient()
                  .put(bytes(key), bytes(value))
                  .get(10, TimeUnit.SECONDS)
                  .getHeader()
                  .getRevision();
          acks.add(new Ack(key, value, rev));
        } catch (ExecutionException | TimeoutException e) {
          // Not acknowledged: it may or may not have been applied. Back off a little.
          failures.add(key + ": " + e);
          try {
            Thread.sleep(20);
          } catch (InterruptedException stopped) {
            return;
          }
        } catch (InterruptedException stopped) {
          return;
        }
      }
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static long acked(List<Writer> writers) {
    return writers.stream().mapToLong(w -> w.acks.size()).sum();
  }

  @Test
  void killingTheLeaderUnderLoadLosesNoAcknowledgedWrite() throws Exception {
    try (EtcdProcesses c = new EtcdProcesses(3, dir, "--snapshot-count=300")) {
      int leader = c.awaitLeader();
      // A long lease holding a key, and a short one a jetcd client keeps alive across the kill.
      Client leases = c.jetcd();
      long longLease = leases.getLeaseClient().grant(600).get(20, TimeUnit.SECONDS).getID();
      leases
          .getKVClient()
          .put(bytes("lease/long"), bytes("x"), PutOption.builder().withLeaseId(longLease).build())
          .get(20, TimeUnit.SECONDS);
      long keptLease = leases.getLeaseClient().grant(3).get(20, TimeUnit.SECONDS).getID();
      leases
          .getKVClient()
          .put(bytes("lease/kept"), bytes("y"), PutOption.builder().withLeaseId(keptLease).build())
          .get(20, TimeUnit.SECONDS);
      AtomicLong keepAlives = new AtomicLong();
      CloseableClient keeper =
          leases
              .getLeaseClient()
              .keepAlive(
                  keptLease,
                  new StreamObserver<LeaseKeepAliveResponse>() {
                    @Override
                    public void onNext(LeaseKeepAliveResponse r) {
                      keepAlives.incrementAndGet();
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                  });
      AtomicBoolean stop = new AtomicBoolean();
      List<Writer> writers = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        writers.add(new Writer(c.jetcd(), i, stop));
      }
      // A watcher of every write, on the leader first: the kill breaks its stream and jetcd
      // resumes it elsewhere from the revision after the last event it got.
      long watchFrom =
          c.kv(leader)
                  .range(RangeRequest.newBuilder().setKey(bs("load/")).build())
                  .getHeader()
                  .getRevision()
              + 1;
      List<String> urls = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        urls.add(c.members.flags.clientUrl((leader + i) % 3));
      }
      Client watching =
          Client.builder()
              .endpoints(urls.toArray(String[]::new))
              .loadBalancerPolicy("pick_first")
              .build();
      List<WatchEvent> seen = new CopyOnWriteArrayList<>();
      AtomicReference<Throwable> watchFailure = new AtomicReference<>();
      Watch.Watcher watcher =
          watching
              .getWatchClient()
              .watch(
                  bytes("load/"),
                  WatchOption.builder().isPrefix(true).withRevision(watchFrom).build(),
                  r -> seen.addAll(r.getEvents()),
                  watchFailure::set);
      writers.forEach(Thread::start);
      try {
        Await.until(LIMIT, "100 writes acknowledged", () -> acked(writers) >= 100);
        c.members.kill(leader);
        long atKill = acked(writers);
        long keepAlivesAtKill = keepAlives.get();
        int next = c.awaitLeader();
        assertThat(next).isNotEqualTo(leader);
        Await.until(LIMIT, "100 writes after the kill", () -> acked(writers) >= atKill + 100);
        c.members.start(leader);
        c.members.awaitHealthy(LIMIT);
        long atRestart = acked(writers);
        Await.until(LIMIT, "50 writes after the restart", () -> acked(writers) >= atRestart + 50);
        Await.until(
            LIMIT, "keep-alives answered again", () -> keepAlives.get() >= keepAlivesAtKill + 3);
      } finally {
        keeper.close();
        stop.set(true);
        for (Writer w : writers) {
          w.join(TimeUnit.SECONDS.toMillis(30));
          assertThat(w.isAlive()).as(w.getName() + " stopped").isFalse();
        }
      }

      Set<Long> revisions = new HashSet<>();
      long newest = 0;
      for (Writer w : writers) {
        long previous = 0;
        for (Ack a : w.acks) {
          assertThat(a.revision()).as("revisions a client sees only grow").isGreaterThan(previous);
          assertThat(revisions.add(a.revision())).as("one revision per write").isTrue();
          previous = a.revision();
        }
        newest = Math.max(newest, previous);
      }
      List<Map<String, KeyValue>> views = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        // A linearizable read on every member, the restarted one included.
        RangeResponse r =
            c.kv(i)
                .range(
                    RangeRequest.newBuilder().setKey(bs("load/")).setRangeEnd(bs("load0")).build());
        assertThat(r.getHeader().getRevision()).isGreaterThanOrEqualTo(newest);
        Map<String, KeyValue> byKey = new TreeMap<>();
        r.getKvsList().forEach(kv -> byKey.put(kv.getKey().toStringUtf8(), kv));
        for (Writer w : writers) {
          for (Ack a : w.acks) {
            KeyValue kv = byKey.get(a.key());
            assertThat(kv).as("member %d has acknowledged %s", i, a.key()).isNotNull();
            assertThat(kv.getValue().toStringUtf8()).isEqualTo(a.value());
            assertThat(kv.getModRevision()).isEqualTo(a.revision());
          }
        }
        views.add(byKey);
      }
      assertThat(views.get(1)).isEqualTo(views.get(0));
      assertThat(views.get(2)).isEqualTo(views.get(0));

      // The watcher got every write exactly once, in revision order, across the failover.
      long last = newest;
      Await.until(
          LIMIT,
          "the watcher reached revision " + last,
          () ->
              !seen.isEmpty() && seen.get(seen.size() - 1).getKeyValue().getModRevision() >= last);
      // jetcd tells the listener about the broken stream, then resumes it (it is not closed).
      assertThat(watcher.isClosed()).isFalse();
      watcher.close();
      watching.close();
      System.out.printf("leader kill: the watcher saw %s and resumed%n", watchFailure.get());
      Map<String, Long> watched = new TreeMap<>();
      long previous = 0;
      for (WatchEvent e : seen) {
        long rev = e.getKeyValue().getModRevision();
        assertThat(rev).as("events in revision order, none twice").isGreaterThan(previous);
        previous = rev;
        watched.put(e.getKeyValue().getKey().toString(StandardCharsets.UTF_8), rev);
      }
      for (Writer w : writers) {
        for (Ack a : w.acks) {
          assertThat(watched.get(a.key())).as("watched " + a.key()).isEqualTo(a.revision());
        }
      }
      Map<String, Long> causes = new TreeMap<>();
      for (Writer w : writers) {
        for (String f : w.failures) {
          causes.merge(f.substring(f.indexOf(": ") + 2), 1L, Long::sum);
        }
      }
      System.out.printf(
          "leader kill: %d writes acknowledged; not acknowledged: %s%n", acked(writers), causes);

      // Both leases survived the new leader: the kept one through its keep-alives, the long one
      // through the checkpointed remaining TTL.
      for (int i = 0; i < 3; i++) {
        RangeResponse r =
            c.kv(i)
                .range(
                    RangeRequest.newBuilder()
                        .setKey(bs("lease/"))
                        .setRangeEnd(bs("lease0"))
                        .build());
        assertThat(r.getKvsList())
            .extracting(kv -> kv.getKey().toStringUtf8(), KeyValue::getLease)
            .containsExactly(
                org.assertj.core.groups.Tuple.tuple("lease/kept", keptLease),
                org.assertj.core.groups.Tuple.tuple("lease/long", longLease));
      }
      var ttl =
          leases
              .getLeaseClient()
              .timeToLive(longLease, LeaseOption.builder().withAttachedKeys().build())
              .get(20, TimeUnit.SECONDS);
      assertThat(ttl.getGrantedTTL()).isEqualTo(600);
      assertThat(ttl.getTTL()).isBetween(1L, 600L);
      assertThat(ttl.getKeys()).containsExactly(bytes("lease/long"));
    }
  }

  @Test
  void aWholeClusterRestartBringsBackKeysRevisionsHistoryAndLeases() throws Exception {
    try (EtcdProcesses c = new EtcdProcesses(3, dir, "--snapshot-count=50")) {
      long lease =
          LeaseGrpc.newBlockingStub(c.channel(0))
              .withDeadlineAfter(20, TimeUnit.SECONDS)
              .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(600).build())
              .getID();
      c.kv(0).put(PutRequest.newBuilder().setKey(bs("ks/lease-a")).setLease(lease).build());
      c.kv(0).put(PutRequest.newBuilder().setKey(bs("ks/lease-b")).setLease(lease).build());
      long compactAt = 0;
      for (int n = 0; n < 150; n++) { // past --snapshot-count: members snapshot and compact logs
        long rev =
            c.kv(0)
                .put(
                    PutRequest.newBuilder()
                        .setKey(bs("ks/k" + n % 20))
                        .setValue(bs("v" + n))
                        .build())
                .getHeader()
                .getRevision();
        if (n == 100) {
          compactAt = rev;
        }
      }
      c.kv(0).deleteRange(DeleteRangeRequest.newBuilder().setKey(bs("ks/k5")).build());
      c.kv(0).compact(CompactionRequest.newBuilder().setRevision(compactAt).build());
      RangeRequest all = RangeRequest.newBuilder().setKey(bs("ks/")).setRangeEnd(bs("ks0")).build();
      RangeRequest old = all.toBuilder().setRevision(compactAt + 3).build();
      RangeResponse before = c.kv(0).range(all);
      RangeResponse oldBefore = c.kv(0).range(old);
      long revision = before.getHeader().getRevision();

      for (int i = 0; i < 3; i++) {
        assertThat(c.members.stop(i)).as("exit status after SIGTERM").isEqualTo(143);
      }
      for (int i = 0; i < 3; i++) {
        c.members.start(i);
      }
      c.members.awaitHealthy(LIMIT);
      c.awaitLeader();
      for (int i = 0; i < 3; i++) {
        assertThat(c.members.log(i)).contains("restarting member");
        var m = c.kv(i);
        RangeResponse after = m.range(all);
        assertThat(after.getHeader().getRevision()).isEqualTo(revision);
        assertThat(after.getKvsList()).isEqualTo(before.getKvsList());
        assertThat(after.getCount()).isEqualTo(before.getCount());
        assertThat(m.range(old).getKvsList()).isEqualTo(oldBefore.getKvsList());
        long below = compactAt - 1;
        StatusRuntimeException e =
            org.junit.jupiter.api.Assertions.assertThrows(
                StatusRuntimeException.class,
                () -> m.range(all.toBuilder().setRevision(below).build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
        assertThat(e.getStatus().getDescription())
            .isEqualTo("etcdserver: mvcc: required revision has been compacted");

        LeaseTimeToLiveResponse ttl =
            LeaseGrpc.newBlockingStub(c.channel(i))
                .withDeadlineAfter(20, TimeUnit.SECONDS)
                .leaseTimeToLive(
                    LeaseTimeToLiveRequest.newBuilder().setID(lease).setKeys(true).build());
        assertThat(ttl.getGrantedTTL()).isEqualTo(600);
        assertThat(ttl.getTTL()).isBetween(1L, 600L);
        assertThat(ttl.getKeysList())
            .extracting(k -> k.toStringUtf8())
            .containsExactlyInAnyOrder("ks/lease-a", "ks/lease-b");
        DynamicMessage leases =
            ClientCalls.blockingUnaryCall(
                c.channel(i),
                LeaseService.LEASE_LEASES,
                io.grpc.CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS),
                DynamicMessage.getDefaultInstance(EtcdSchema.LEASE_LEASES_REQUEST));
        assertThat(leases.toString()).contains("ID: " + lease);
      }

      // The history since the compaction point replays in order: one event per revision.
      try (WatchClient w = new WatchClient(c.channel(1), false)) {
        w.create(
            WatchCreateRequest.newBuilder()
                .setKey(bs("ks/"))
                .setRangeEnd(bs("ks0"))
                .setStartRevision(compactAt + 1));
        assertThat(w.next().getCreated()).isTrue();
        long expect = compactAt + 1;
        for (int responses = 0; expect <= revision; responses++) {
          assertThat(responses).as("responses to replay the history").isLessThan(10_000);
          WatchResponse r = w.next();
          for (var e : r.getEventsList()) {
            assertThat(e.getKv().getModRevision()).isEqualTo(expect++);
          }
        }
      }
      long next =
          c.kv(0)
              .put(PutRequest.newBuilder().setKey(bs("ks/new")).build())
              .getHeader()
              .getRevision();
      assertThat(next).isEqualTo(revision + 1);
    }
  }
}
