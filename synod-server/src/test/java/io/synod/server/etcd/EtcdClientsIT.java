package io.synod.server.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.support.CloseableClient;
import io.etcd.jetcd.watch.WatchEvent;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.synod.server.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stock clients against three real member processes: etcdctl 3.4 (its exact output, exit codes and
 * error lines; etcd-api.md §11) and jetcd. Each test works under its own key prefix, so they share
 * one cluster; compaction is cluster-wide, so tests read old revisions only of their own writes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EtcdClientsIT {
  @TempDir static Path dir;
  private EtcdProcesses cluster;

  @BeforeAll
  void start() {
    cluster = new EtcdProcesses(3, dir);
  }

  @AfterAll
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private Etcdctl etcdctl() {
    return Etcdctl.require(cluster.members.endpoints(), dir.resolve("etcdctl"));
  }

  private static JsonObject json(Etcdctl.Result r) {
    return JsonParser.parseString(r.out()).getAsJsonObject();
  }

  private static String b64(JsonElement e) {
    return new String(Base64.getDecoder().decode(e.getAsString()), StandardCharsets.UTF_8);
  }

  private static long revision(Etcdctl.Result jsonResult) {
    return json(jsonResult).getAsJsonObject("header").get("revision").getAsLong();
  }

  private static void assertFails(Etcdctl.Result r, String errorLine) {
    assertThat(r.exit()).as("exit status of a failed command").isEqualTo(1);
    assertThat(r.err().lines()).contains(errorLine);
  }

  // ---------------------------------------------------------------------------------------------
  // etcdctl

  @Test
  void etcdctlPutAndGetWithRangeOptions() {
    Etcdctl ctl = etcdctl();
    String[][] kvs = {{"r/a", "5"}, {"r/b", "4"}, {"r/c", "3"}, {"r/d", "2"}, {"r/e", "1"}};
    long[] revs = new long[kvs.length];
    for (int i = 0; i < kvs.length; i++) {
      revs[i] = revision(ctl.ok("put", kvs[i][0], kvs[i][1], "-w", "json"));
    }
    assertThat(ctl.ok("put", "r/f0", "x").out()).isEqualTo("OK\n");
    ctl.ok("del", "r/f0");

    assertThat(ctl.ok("get", "r/", "--prefix").lines())
        .containsExactly("r/a", "5", "r/b", "4", "r/c", "3", "r/d", "2", "r/e", "1");
    JsonObject limited = json(ctl.ok("get", "r/", "--prefix", "--limit=2", "-w", "json"));
    assertThat(limited.get("count").getAsLong()).isEqualTo(5);
    assertThat(limited.get("more").getAsBoolean()).isTrue();
    JsonArray two = limited.getAsJsonArray("kvs");
    assertThat(two).hasSize(2);
    assertThat(b64(two.get(1).getAsJsonObject().get("key"))).isEqualTo("r/b");
    assertThat(two.get(1).getAsJsonObject().get("mod_revision").getAsLong()).isEqualTo(revs[1]);
    assertThat(two.get(1).getAsJsonObject().get("version").getAsLong()).isEqualTo(1);

    assertThat(
            ctl.ok("get", "r/", "--prefix", "--sort-by=MODIFY", "--order=DESCEND", "--limit=2")
                .lines())
        .containsExactly("r/e", "1", "r/d", "2");
    assertThat(ctl.ok("get", "r/", "--prefix", "--sort-by=VALUE", "--order=ASCEND").lines())
        .containsExactly("r/e", "1", "r/d", "2", "r/c", "3", "r/b", "4", "r/a", "5");
    assertThat(ctl.ok("get", "r/", "--prefix", "--keys-only").lines())
        .containsExactly("r/a", "", "r/b", "", "r/c", "", "r/d", "", "r/e", "");
    assertThat(ctl.ok("get", "r/a", "--print-value-only").lines()).containsExactly("5");
    // A read at an old revision sees the store as it was; its header carries the current one.
    Etcdctl.Result old = ctl.ok("get", "r/", "--prefix", "--rev=" + revs[2], "-w", "json");
    assertThat(json(old).getAsJsonArray("kvs")).hasSize(3);
    assertThat(revision(old)).isGreaterThan(revs[4]);
    assertThat(ctl.ok("get", "r/", "--prefix", "--rev=" + revs[2]).lines())
        .containsExactly("r/a", "5", "r/b", "4", "r/c", "3");
    assertThat(ctl.ok("get", "r/c", "--from-key", "--limit=3").lines())
        .containsExactly("r/c", "3", "r/d", "2", "r/e", "1");

    // A follower serves serializable reads from its own state (it may lag: wait, bounded).
    int follower = (cluster.awaitLeader() + 1) % 3;
    Etcdctl local = ctl.at(cluster.members.endpoint(follower));
    Await.until(
        EtcdProcesses.LIMIT,
        "follower applied r/e",
        () -> local.ok("get", "r/e", "--consistency=s").lines().equals(List.of("r/e", "1")));

    assertThat(ctl.ok("del", "r/d", "r/f", "--prev-kv").lines())
        .containsExactly("2", "r/d", "2", "r/e", "1");
    assertThat(ctl.ok("del", "r/nothing").lines()).containsExactly("0");

    assertFails(
        ctl.run("put", "--lease=1234", "r/x", "v"), "Error: etcdserver: requested lease not found");
    assertFails(ctl.run("put", "--ignore-value", "r/missing"), "Error: etcdserver: key not found");
    assertFails(
        ctl.run("get", "r/a", "--rev=999999999"),
        "Error: etcdserver: mvcc: required revision is a future revision");
  }

  @Test
  void etcdctlTxnReadsItsBranchesFromStdin() {
    Etcdctl ctl = etcdctl();
    ctl.ok("put", "t/k", "v1");
    String script = "value(\"t/k\") = \"v1\"\n\nput t/k v2\nget t/k\n\nput t/k failed\n\n";
    Etcdctl.Result first = ctl.withInput(script, "txn", "-i");
    assertThat(first.exit()).isZero();
    assertThat(first.out())
        .isEqualTo(
            "compares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\n"
                + "SUCCESS\n\nOK\n\nt/k\nv2\n");
    Etcdctl.Result second = ctl.withInput(script, "txn");
    assertThat(second.out()).isEqualTo("FAILURE\n\nOK\n");
    assertThat(ctl.ok("get", "t/k", "--print-value-only").lines()).containsExactly("failed");

    // Compares on version, create and mod revisions; a missing key has create revision 0; all
    // writes of one txn share one revision.
    long before = revision(ctl.ok("get", "t/k", "-w", "json"));
    String multi =
        "ver(\"t/k\") = \"3\"\ncreate(\"t/none\") = \"0\"\nmod(\"t/k\") > \"0\"\n\n"
            + "put t/x 1\nput t/y 2\ndel t/k\n\n\n";
    JsonObject txn = json(ctl.withInput(multi, "txn", "-w", "json"));
    assertThat(txn.get("succeeded").getAsBoolean()).isTrue();
    assertThat(txn.getAsJsonArray("responses")).hasSize(3);
    assertThat(txn.getAsJsonObject("header").get("revision").getAsLong()).isEqualTo(before + 1);
    JsonObject x =
        json(ctl.ok("get", "t/x", "-w", "json")).getAsJsonArray("kvs").get(0).getAsJsonObject();
    JsonObject y =
        json(ctl.ok("get", "t/y", "-w", "json")).getAsJsonArray("kvs").get(0).getAsJsonObject();
    assertThat(x.get("mod_revision").getAsLong())
        .isEqualTo(y.get("mod_revision").getAsLong())
        .isEqualTo(before + 1);
    assertThat(ctl.ok("get", "t/k").out()).isEmpty();
    // A VALUE compare on a missing key is false, even for "".
    assertThat(ctl.withInput("value(\"t/none\") = \"\"\n\n\n\n", "txn").out())
        .isEqualTo("FAILURE\n");
  }

  @Test
  void etcdctlCompactionAndReadsOfCompactedRevisions() throws Exception {
    Etcdctl ctl = etcdctl();
    long c1 = revision(ctl.ok("put", "c/k", "v1", "-w", "json"));
    long c2 = revision(ctl.ok("put", "c/k", "v2", "-w", "json"));
    long c3 = revision(ctl.ok("put", "c/k", "v3", "-w", "json"));
    assertThat(ctl.ok("compaction", Long.toString(c2)).lines())
        .containsExactly("compacted revision " + c2);
    assertFails(
        ctl.run("get", "c/k", "--rev=" + c1),
        "Error: etcdserver: mvcc: required revision has been compacted");
    assertThat(ctl.ok("get", "c/k", "--rev=" + c2, "--print-value-only").lines())
        .containsExactly("v2");
    assertFails(
        ctl.run("compaction", Long.toString(c1)),
        "Error: etcdserver: mvcc: required revision has been compacted");
    assertFails(
        ctl.run("compaction", "999999999"),
        "Error: etcdserver: mvcc: required revision is a future revision");
    assertThat(ctl.ok("compaction", "--physical", Long.toString(c3)).lines())
        .containsExactly("compacted revision " + c3);

    // A watch from below the compaction point is canceled; etcdctl says why and exits 5.
    try (Etcdctl.Stream w = ctl.start("watch", "c/k", "--rev=" + c1)) {
      assertThat(w.awaitExit()).isEqualTo(5);
      assertThat(w.stderr())
          .contains("watch was canceled (etcdserver: mvcc: required revision has been compacted)");
    }
  }

  @Test
  void etcdctlWatchReplaysFromARevisionWithPrevKvAndResumes() throws Exception {
    Etcdctl ctl = etcdctl();
    long first = revision(ctl.ok("put", "w/a", "1", "-w", "json"));
    ctl.ok("put", "w/a", "2");
    long deleted = revision(ctl.ok("del", "w/a", "-w", "json"));
    ctl.ok("put", "w/b", "3");
    try (Etcdctl.Stream w = ctl.start("watch", "w/", "--prefix", "--rev=" + first, "--prev-kv")) {
      assertThat(w.next(3)).containsExactly("PUT", "w/a", "1"); // a creation has no prev_kv
      assertThat(w.next(5)).containsExactly("PUT", "w/a", "1", "w/a", "2");
      assertThat(w.next(5)).containsExactly("DELETE", "w/a", "2", "w/a", "");
      assertThat(w.next(3)).containsExactly("PUT", "w/b", "3");
      ctl.ok("put", "w/c", "4"); // live, after the replay
      assertThat(w.next(3)).containsExactly("PUT", "w/c", "4");
    }
    // Resuming from the revision after the last one seen gives exactly what followed it.
    try (Etcdctl.Stream w = ctl.start("watch", "w/", "--prefix", "--rev=" + (deleted + 1))) {
      assertThat(w.next(6)).containsExactly("PUT", "w/b", "3", "PUT", "w/c", "4");
    }
    // Interactive: a watch command, an event, then a progress request.
    long now = revision(ctl.ok("get", "w/none", "-w", "json"));
    try (Etcdctl.Stream w = ctl.start("watch", "-i")) {
      w.send("watch --rev=" + (now + 1) + " w/i");
      long put = revision(ctl.ok("put", "w/i", "v", "-w", "json"));
      assertThat(w.next(3)).containsExactly("PUT", "w/i", "v");
      w.send("progress");
      String progress = w.next();
      assertThat(progress).startsWith("progress notify: ");
      long notified = Long.parseLong(progress.substring("progress notify: ".length()));
      long after = revision(ctl.ok("get", "w/none", "-w", "json"));
      assertThat(notified).isBetween(put, after);
    }
  }

  @Test
  void etcdctlLeasesGrantAttachKeepAliveRevokeAndExpire() throws Exception {
    Etcdctl ctl = etcdctl();
    String granted = ctl.ok("lease", "grant", "60").out().trim();
    Matcher m = Pattern.compile("lease ([0-9a-f]{16}) granted with TTL\\(60s\\)").matcher(granted);
    assertThat(m.matches()).as(granted).isTrue();
    String id = m.group(1);
    ctl.ok("put", "--lease=" + id, "l/a", "1");
    ctl.ok("put", "--lease=" + id, "l/b", "2");
    String ttl = ctl.ok("lease", "timetolive", id, "--keys").out().trim();
    Matcher t =
        Pattern.compile(
                "lease "
                    + id
                    + " granted with TTL\\(60s\\), remaining\\((\\d+)s\\), attached keys\\(\\[(.*)\\]\\)")
            .matcher(ttl);
    assertThat(t.matches()).as(ttl).isTrue();
    assertThat(Long.parseLong(t.group(1))).isBetween(1L, 60L);
    assertThat(t.group(2).split(" ")).containsExactlyInAnyOrder("l/a", "l/b");
    assertThat(ctl.ok("lease", "keep-alive", "--once", id).lines())
        .containsExactly("lease " + id + " keepalived with TTL(60)");
    assertThat(ctl.ok("lease", "list").lines())
        .contains(id)
        .anyMatch(l -> l.matches("found \\d+ leases"));

    try (Etcdctl.Stream keepAlive = ctl.start("lease", "keep-alive", id)) {
      assertThat(keepAlive.next()).isEqualTo("lease " + id + " keepalived with TTL(60)");
      assertThat(ctl.ok("lease", "revoke", id).lines()).containsExactly("lease " + id + " revoked");
      // The next keep-alive finds the lease gone (TTL 0): etcdctl says so and ends.
      String line = keepAlive.next();
      for (int i = 0; i < 100 && line.equals("lease " + id + " keepalived with TTL(60)"); i++) {
        line = keepAlive.next();
      }
      assertThat(line).isEqualTo("lease " + id + " expired or revoked.");
      assertThat(keepAlive.awaitExit()).isZero();
    }
    assertThat(ctl.ok("get", "l/", "--prefix").out()).isEmpty();
    assertThat(ctl.ok("lease", "timetolive", id).lines())
        .containsExactly("lease " + id + " already expired");
    assertFails(
        ctl.run("lease", "revoke", id),
        "Error: failed to revoke lease (etcdserver: requested lease not found)");

    // Expiry: the shortest TTL is ceil(1.5 x 500 ms election timeout) = 1 s; the key goes with a
    // DELETE event once the leader expires the lease.
    String shortLease = ctl.ok("lease", "grant", "1").out().trim();
    Matcher s =
        Pattern.compile("lease ([0-9a-f]{16}) granted with TTL\\(1s\\)").matcher(shortLease);
    assertThat(s.matches()).as(shortLease).isTrue();
    long put = revision(ctl.ok("put", "--lease=" + s.group(1), "e/k", "v", "-w", "json"));
    try (Etcdctl.Stream w = ctl.start("watch", "e/k", "--rev=" + put)) {
      assertThat(w.next(3)).containsExactly("PUT", "e/k", "v");
      assertThat(w.next(3)).containsExactly("DELETE", "e/k", "");
    }
    assertThat(ctl.ok("get", "e/k").out()).isEmpty();
    assertThat(ctl.ok("lease", "timetolive", s.group(1)).lines())
        .containsExactly("lease " + s.group(1) + " already expired");
  }

  @Test
  void etcdctlLockIsHeldByOneClientAtATime() throws Exception {
    // etcdctl's lock is the client-side recipe: a lease, a txn on create_revision, ranges sorted
    // by create revision with max_create_revision, and a watch for the predecessor's delete.
    Etcdctl ctl = etcdctl();
    try (Etcdctl.Stream first = ctl.start("lock", "lk/name")) {
      String held = first.next();
      assertThat(held).matches("lk/name/[0-9a-f]+");
      try (Etcdctl.Stream second = ctl.start("lock", "lk/name")) {
        Await.until(
            EtcdProcesses.LIMIT,
            "the second client queued its key",
            () -> ctl.ok("get", "lk/name/", "--prefix", "--keys-only").lines().size() == 4);
        List<String> queued =
            ctl.ok("get", "lk/name/", "--prefix", "--keys-only", "--sort-by=CREATE").lines();
        assertThat(queued.get(0)).isEqualTo(held);
        assertThat(second.hasLine()).as("the second client waits").isFalse();
        assertThat(first.terminate()).isZero(); // unlocks
        assertThat(second.next()).isEqualTo(queued.get(2));
        assertThat(ctl.ok("get", "lk/name/", "--prefix", "--keys-only").lines())
            .containsExactly(queued.get(2), "");
        // Unlocking also revokes the session's lease, so nothing expires later behind the
        // other tests' backs.
        assertThat(second.terminate()).isZero();
        assertThat(ctl.ok("get", "lk/name/", "--prefix").out()).isEmpty();
      }
    }
  }

  @Test
  void etcdctlEndpointHealthAndStatus() {
    Etcdctl ctl = etcdctl();
    Etcdctl.Result health = ctl.run("endpoint", "health");
    assertThat(health.exit()).isZero();
    // etcdctl prints health to stderr, one line per endpoint, in no fixed order.
    List<String> lines =
        health.err().lines().filter(l -> l.contains(" is healthy: ")).sorted().toList();
    assertThat(lines).hasSize(3);
    for (int i = 0; i < 3; i++) {
      String ep = cluster.members.endpoint(i);
      assertThat(lines)
          .anyMatch(
              l -> l.startsWith(ep + " is healthy: successfully committed proposal: took = "));
    }

    JsonArray status =
        JsonParser.parseString(ctl.ok("endpoint", "status", "-w", "json").out()).getAsJsonArray();
    assertThat(status).hasSize(3);
    List<Long> leaders = new ArrayList<>();
    int leading = 0;
    for (JsonElement e : status) {
      JsonObject st = e.getAsJsonObject().getAsJsonObject("Status");
      assertThat(st.get("version").getAsString()).isEqualTo("3.4.23");
      long leader = st.get("leader").getAsLong();
      leaders.add(leader);
      if (leader == st.getAsJsonObject("header").get("member_id").getAsLong()) {
        leading++;
      }
      assertThat(st.get("raftTerm").getAsLong()).isPositive();
      assertThat(st.get("raftAppliedIndex").getAsLong()).isPositive();
    }
    assertThat(leading).isEqualTo(1);
    assertThat(leaders).containsOnly(leaders.get(0));
  }

  // ---------------------------------------------------------------------------------------------
  // jetcd

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static String str(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }

  private static List<String> keys(GetResponse r) {
    return r.getKvs().stream().map(kv -> str(kv.getKey())).toList();
  }

  @Test
  void jetcdRangeOptionsTxnAndCompaction() throws Exception {
    KV kv = cluster.jetcd().getKVClient();
    List<Long> revs = new ArrayList<>();
    for (String k : List.of("j/a", "j/b", "j/c", "j/d", "j/e")) {
      revs.add(kv.put(bs(k), bs("v-" + k)).get(20, TimeUnit.SECONDS).getHeader().getRevision());
    }
    GetOption prefix = GetOption.builder().isPrefix(true).build();
    GetResponse count =
        kv.get(bs("j/"), GetOption.builder().isPrefix(true).withCountOnly(true).build()).get();
    assertThat(count.getCount()).isEqualTo(5);
    assertThat(count.getKvs()).isEmpty();
    GetResponse newest =
        kv.get(
                bs("j/"),
                GetOption.builder()
                    .isPrefix(true)
                    .withSortField(GetOption.SortTarget.MOD)
                    .withSortOrder(GetOption.SortOrder.DESCEND)
                    .withLimit(2)
                    .build())
            .get();
    assertThat(keys(newest)).containsExactly("j/e", "j/d");
    assertThat(newest.isMore()).isTrue();
    assertThat(newest.getCount()).isEqualTo(5);
    GetResponse keysOnly =
        kv.get(bs("j/"), GetOption.builder().isPrefix(true).withKeysOnly(true).build()).get();
    assertThat(keysOnly.getKvs()).allMatch(k -> k.getValue().isEmpty()).hasSize(5);
    GetResponse filtered =
        kv.get(bs("j/"), GetOption.builder().isPrefix(true).withMinModRevision(revs.get(3)).build())
            .get();
    assertThat(keys(filtered)).containsExactly("j/d", "j/e");
    assertThat(filtered.getCount()).isEqualTo(5); // count ignores the revision filters

    TxnResponse txn =
        kv.txn()
            .If(new Cmp(bs("j/a"), Cmp.Op.EQUAL, CmpTarget.value(bs("v-j/a"))))
            .Then(
                Op.put(bs("j/a"), bs("x"), PutOption.DEFAULT), Op.get(bs("j/a"), GetOption.DEFAULT))
            .Else(Op.put(bs("j/a"), bs("else"), PutOption.DEFAULT))
            .commit()
            .get();
    assertThat(txn.isSucceeded()).isTrue();
    assertThat(str(txn.getGetResponses().get(0).getKvs().get(0).getValue())).isEqualTo("x");
    long txnRev = txn.getHeader().getRevision();
    assertThat(txn.getPutResponses()).hasSize(1);

    kv.compact(txnRev).get(20, TimeUnit.SECONDS);
    assertThat(
            keys(
                kv.get(bs("j/"), GetOption.builder().isPrefix(true).withRevision(txnRev).build())
                    .get()))
        .hasSize(5);
    ExecutionException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ExecutionException.class,
            () ->
                kv.get(bs("j/a"), GetOption.builder().withRevision(revs.get(0)).build())
                    .get(20, TimeUnit.SECONDS));
    // jetcd 0.8.5 hands the gRPC status through; its code and message are etcd's.
    Status compacted = Status.fromThrowable(e.getCause());
    assertThat(compacted.getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
    assertThat(compacted.getDescription())
        .isEqualTo("etcdserver: mvcc: required revision has been compacted");
    assertThat(kv.get(bs("j/"), prefix).get().getCount()).isEqualTo(5);

    // A watch from below the compaction point ends with jetcd's CompactedException.
    AtomicReference<Throwable> failure = new AtomicReference<>();
    try (var w =
        cluster
            .jetcd()
            .getWatchClient()
            .watch(
                bs("j/a"),
                WatchOption.builder().withRevision(revs.get(0)).build(),
                r -> {},
                failure::set)) {
      assertThat(w.isClosed()).isFalse();
      Await.until(EtcdProcesses.LIMIT, "compaction error", () -> failure.get() != null);
    }
    assertThat(failure.get()).isInstanceOf(CompactedException.class);
    assertThat(((CompactedException) failure.get()).getCompactedRevision()).isEqualTo(txnRev);
  }

  @Test
  void jetcdWatchResumesFromARevisionWithPrevKv() throws Exception {
    Client client = cluster.jetcd();
    KV kv = client.getKVClient();
    long first = kv.put(bs("jw/k"), bs("1")).get().getHeader().getRevision();
    kv.put(bs("jw/k"), bs("2")).get();
    long deleted = kv.delete(bs("jw/k")).get().getHeader().getRevision();
    BlockingQueue<WatchEvent> events = new LinkedBlockingQueue<>();
    WatchOption from =
        WatchOption.builder().isPrefix(true).withRevision(first).withPrevKV(true).build();
    try (var w =
        client.getWatchClient().watch(bs("jw/"), from, r -> events.addAll(r.getEvents()))) {
      assertThat(w.isClosed()).isFalse();
      WatchEvent a = events.poll(30, TimeUnit.SECONDS);
      WatchEvent b = events.poll(30, TimeUnit.SECONDS);
      WatchEvent c = events.poll(30, TimeUnit.SECONDS);
      assertThat(a).isNotNull();
      assertThat(b).isNotNull();
      assertThat(c).isNotNull();
      assertThat(a.getEventType()).isEqualTo(WatchEvent.EventType.PUT);
      assertThat(a.getKeyValue().getModRevision()).isEqualTo(first);
      assertThat(a.getPrevKV().getKey().isEmpty()).isTrue(); // no prev_kv for a creation
      assertThat(str(b.getPrevKV().getValue())).isEqualTo("1");
      assertThat(str(b.getKeyValue().getValue())).isEqualTo("2");
      assertThat(c.getEventType()).isEqualTo(WatchEvent.EventType.DELETE);
      assertThat(c.getKeyValue().getModRevision()).isEqualTo(deleted);
      assertThat(str(c.getPrevKV().getValue())).isEqualTo("2");
    }
    events.clear();
    try (var w =
        client
            .getWatchClient()
            .watch(
                bs("jw/"),
                WatchOption.builder().isPrefix(true).withRevision(deleted + 1).build(),
                r -> events.addAll(r.getEvents()))) {
      assertThat(w.isClosed()).isFalse();
      long next = kv.put(bs("jw/k"), bs("3")).get().getHeader().getRevision();
      WatchEvent d = events.poll(30, TimeUnit.SECONDS);
      assertThat(d).isNotNull();
      assertThat(d.getKeyValue().getModRevision()).isEqualTo(next);
      assertThat(d.getKeyValue().getVersion()).isEqualTo(1); // re-created after the delete
      assertThat(events.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }
  }

  @Test
  void jetcdLeaseKeepAliveHoldsKeysThatGoWhenItStops() throws Exception {
    Client client = cluster.jetcd();
    KV kv = client.getKVClient();
    // 3 s: long enough that the lease cannot expire before jetcd's first keep-alive on a busy
    // machine, short enough that several renewals (every TTL/3) outlive it quickly.
    long id = client.getLeaseClient().grant(3).get(20, TimeUnit.SECONDS).getID();
    kv.put(bs("jl/k"), bs("v"), PutOption.builder().withLeaseId(id).build()).get();
    AtomicInteger answers = new AtomicInteger();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    CloseableClient keepAlive =
        client
            .getLeaseClient()
            .keepAlive(
                id,
                new StreamObserver<LeaseKeepAliveResponse>() {
                  @Override
                  public void onNext(LeaseKeepAliveResponse r) {
                    if (r.getTTL() == 3) {
                      answers.incrementAndGet();
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    failed.set(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    try {
      // Several renewals of a 3 s lease: the key outlives its TTL while they come.
      Await.until(
          EtcdProcesses.LIMIT,
          "five keep-alive answers",
          () -> answers.get() >= 5 || failed.get() != null);
      assertThat(failed.get()).as("keep-alive failure").isNull();
      List<KeyValue> held = kv.get(bs("jl/k")).get().getKvs();
      assertThat(held).hasSize(1);
      assertThat(held.get(0).getLease()).isEqualTo(id);
    } finally {
      keepAlive.close();
    }
    Await.until(
        EtcdProcesses.LIMIT,
        "key deleted with its expired lease",
        () -> kv.get(bs("jl/k")).join().getCount() == 0);
    assertThat(
            client
                .getLeaseClient()
                .timeToLive(id, LeaseOption.DEFAULT)
                .get(20, TimeUnit.SECONDS)
                .getTTL())
        .isEqualTo(-1);
  }
}
