package io.synod.server.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.election.LeaderResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lock.LockResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.grpc.stub.StreamObserver;
import io.synod.server.Await;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Locks and elections against three real member processes: jetcd's Lock and Election clients (the
 * v3lock and v3election services), the stock etcdctl 3.4's client-side {@code lock} and {@code
 * elect} (KV, Watch, Lease and Txn), and child JVMs that hold a lock or lead an election on a
 * short-TTL lease and are killed with SIGKILL.
 *
 * <p>Every wait is bounded; nothing asserts how long something took.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LockElectionIT {
  private static final Duration LIMIT = EtcdProcesses.LIMIT;
  private static final long CALL_SECONDS = 60;

  @TempDir static Path dir;
  private EtcdProcesses cluster;
  private Etcdctl etcdctl;
  private final List<AutoCloseable> children = new ArrayList<>();

  @BeforeAll
  void startMembers() {
    cluster = new EtcdProcesses(3, dir);
    etcdctl = Etcdctl.require(cluster.members.endpoints(), dir);
  }

  @AfterEach
  void endChildren() throws Exception {
    for (AutoCloseable c : children) {
      c.close();
    }
    children.clear();
  }

  /** A long-running etcdctl, ended after the test. */
  private Etcdctl.Stream ctl(String... args) {
    Etcdctl.Stream s = etcdctl.start(args);
    children.add(s);
    return s;
  }

  @AfterAll
  void stopMembers() {
    cluster.close();
  }

  private Client client(int member) {
    return cluster.jetcd(member);
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static String str(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(CALL_SECONDS, TimeUnit.SECONDS);
  }

  /** A lease of {@code ttl} seconds that {@code c} keeps alive until it closes. */
  private static long keptLease(Client c, long ttl) throws Exception {
    long id = get(c.getLeaseClient().grant(ttl)).getID();
    c.getLeaseClient()
        .keepAlive(
            id,
            new StreamObserver<LeaseKeepAliveResponse>() {
              @Override
              public void onNext(LeaseKeepAliveResponse r) {}

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
    return id;
  }

  private static KeyValue kv(Client c, String key) throws Exception {
    List<KeyValue> kvs = get(c.getKVClient().get(bs(key))).getKvs();
    return kvs.isEmpty() ? null : kvs.get(0);
  }

  /** {@code call}'s value; a failure becomes an unchecked one (for conditions of {@link Await}). */
  private static <T> T unchecked(Callable<T> call) {
    try {
      return call.call();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static int countUnder(Client c, String prefix) throws Exception {
    GetResponse r =
        get(
            c.getKVClient()
                .get(bs(prefix), GetOption.builder().isPrefix(true).withCountOnly(true).build()));
    return (int) r.getCount();
  }

  // ---------------------------------------------------------------------------------------------
  // Child processes

  /** A child process whose stdout is read line by line; stderr goes to a file. */
  private final class Child implements AutoCloseable {
    final String name;
    final Process process;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    Child(String name, List<String> cmd) throws IOException {
      this.name = name;
      ProcessBuilder b = new ProcessBuilder(cmd);
      b.redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".err").toFile()));
      this.process = b.start();
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = r.readLine()) != null) {
                    lines.add(line);
                  }
                } catch (IOException e) {
                  // the process ended
                }
              },
              "child-" + name);
      reader.setDaemon(true);
      reader.start();
      children.add(this);
    }

    String nextLine() throws InterruptedException {
      String line = lines.poll(LIMIT.toSeconds(), TimeUnit.SECONDS);
      if (line == null) {
        throw new AssertionError(name + " printed nothing within " + LIMIT + "; " + errors());
      }
      return line;
    }

    String errors() {
      try {
        File f = dir.resolve(name + ".err").toFile();
        return f.exists() ? java.nio.file.Files.readString(f.toPath()) : "";
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    void kill9() throws InterruptedException {
      process.destroyForcibly();
      assertThat(process.waitFor(20, TimeUnit.SECONDS)).as(name + " died").isTrue();
      assertThat(process.exitValue()).isEqualTo(137);
    }

    int awaitExit() throws InterruptedException {
      assertThat(process.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS))
          .as(name + " exited; " + errors())
          .isTrue();
      return process.exitValue();
    }

    @Override
    public void close() {
      process.destroyForcibly();
      try {
        process.waitFor(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private Child holder(String mode, int member, String name, long ttl, String value)
      throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path")));
    cmd.addAll(
        List.of(
            RecipeHolderMain.class.getName(),
            mode,
            cluster.members.endpoint(member),
            name,
            Long.toString(ttl),
            value));
    return new Child(mode + "-" + name, cmd);
  }

  // ---------------------------------------------------------------------------------------------
  // Lock service (jetcd)

  @Test
  void locksExcludeEachOtherUnderContentionAndFencingTokensGrow() throws Exception {
    int workers = 4;
    int rounds = 5;
    ByteSequence lockName = bs("contention");
    ByteSequence counter = bs("contention-counter");
    Client setup = client(0);
    get(setup.getKVClient().put(counter, bs("0")));
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    AtomicInteger casFailures = new AtomicInteger();
    List<Long> tokens = new CopyOnWriteArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < workers; w++) {
        Client c = client(w % 3);
        done.add(
            pool.submit(
                () -> {
                  long lease = keptLease(c, 10);
                  for (int r = 0; r < rounds; r++) {
                    LockResponse held = get(c.getLockClient().lock(lockName, lease));
                    if (inside.incrementAndGet() != 1) {
                      overlaps.incrementAndGet();
                    }
                    long token = kv(c, str(held.getKey())).getCreateRevision();
                    tokens.add(token);
                    KeyValue now = get(c.getKVClient().get(counter)).getKvs().get(0);
                    long next = Long.parseLong(str(now.getValue())) + 1;
                    // The fencing check a protected resource makes: the counter is unchanged
                    // since we read it, and our lock key still carries our token.
                    boolean ok =
                        get(c.getKVClient()
                                .txn()
                                .If(
                                    new Cmp(
                                        counter,
                                        Cmp.Op.EQUAL,
                                        CmpTarget.modRevision(now.getModRevision())),
                                    new Cmp(
                                        held.getKey(),
                                        Cmp.Op.EQUAL,
                                        CmpTarget.createRevision(token)))
                                .Then(Op.put(counter, bs(Long.toString(next)), PutOption.DEFAULT))
                                .commit())
                            .isSucceeded();
                    if (!ok) {
                      casFailures.incrementAndGet();
                    }
                    inside.decrementAndGet();
                    get(c.getLockClient().unlock(held.getKey()));
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(5, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(overlaps.get()).as("two holders at once").isZero();
    assertThat(casFailures.get()).as("a write fenced off").isZero();
    assertThat(str(kv(setup, "contention-counter").getValue()))
        .isEqualTo(Integer.toString(workers * rounds));
    assertThat(tokens).hasSize(workers * rounds).isSorted().doesNotHaveDuplicates();
    assertThat(countUnder(setup, "contention/")).isZero();
  }

  @Test
  void aKilledHoldersLeaseExpiresAndTheNextWaiterGetsTheLockWithAHigherToken() throws Exception {
    Child child = holder("lock", 0, "killed", 2, "-");
    String[] held = child.nextLine().split(" ");
    assertThat(held[0]).isEqualTo("HELD");
    String childKey = held[1];
    long childToken = Long.parseLong(held[2]);

    Client c = client(1);
    long lease = keptLease(c, 10);
    CompletableFuture<LockResponse> waiter = c.getLockClient().lock(bs("killed"), lease);
    String ownKey = "killed/" + Long.toHexString(lease);
    Await.until(LIMIT, "the waiter queued", () -> unchecked(() -> kv(c, ownKey) != null));
    assertThat(waiter.isDone()).as("the lock is still held by the child").isFalse();

    child.kill9();
    LockResponse got = get(waiter);
    assertThat(str(got.getKey())).isEqualTo(ownKey);
    assertThat(kv(c, childKey)).as("the dead holder's key").isNull();
    assertThat(kv(c, ownKey).getCreateRevision()).isGreaterThan(childToken);
    get(c.getLockClient().unlock(got.getKey()));
  }

  // ---------------------------------------------------------------------------------------------
  // Election service (jetcd)

  @Test
  void aKilledLeadersLeaseExpiresAndTheNextCandidateIsElected() throws Exception {
    Client observerClient = client(2);
    BlockingQueue<String> seen = new LinkedBlockingQueue<>();
    observerClient
        .getElectionClient()
        .observe(
            bs("killed-e"),
            new Election.Listener() {
              @Override
              public void onNext(LeaderResponse r) {
                seen.add(str(r.getKv().getValue()));
              }

              @Override
              public void onError(Throwable t) {
                seen.add("error " + t);
              }

              @Override
              public void onCompleted() {}
            });
    Child child = holder("campaign", 0, "killed-e", 2, "child");
    assertThat(child.nextLine()).startsWith("HELD killed-e/");
    assertThat(seen.poll(LIMIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("child");

    Client c = client(1);
    long lease = keptLease(c, 10);
    var campaign = c.getElectionClient().campaign(bs("killed-e"), lease, bs("next"));
    Await.until(
        LIMIT,
        "the candidate queued",
        () -> unchecked(() -> kv(c, "killed-e/" + Long.toHexString(lease)) != null));
    assertThat(campaign.isDone()).isFalse();
    child.kill9();
    var leader = get(campaign).getLeader();
    assertThat(leader.getLease()).isEqualTo(lease);
    assertThat(seen.poll(LIMIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("next");
    assertThat(
            str(get(observerClient.getElectionClient().leader(bs("killed-e"))).getKv().getValue()))
        .isEqualTo("next");
    get(c.getElectionClient().proclaim(leader, bs("next2")));
    assertThat(seen.poll(LIMIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("next2");
    get(c.getElectionClient().resign(leader));
    assertThat(countUnder(c, "killed-e/")).isZero();
  }

  // ---------------------------------------------------------------------------------------------
  // etcdctl's client-side recipes

  @Test
  void etcdctlLockWaitsForAServiceHolderAndItsKilledHolderReleasesByExpiry() throws Exception {
    Client c = client(0);
    long lease = keptLease(c, 10);
    LockResponse held = get(c.getLockClient().lock(bs("mixed"), lease));
    Etcdctl.Stream waiting = ctl("lock", "mixed", "--", "echo", "got-it");
    Await.until(LIMIT, "etcdctl queued", () -> unchecked(() -> countUnder(c, "mixed/") == 2));
    assertThat(waiting.isAlive()).as("etcdctl waits for the holder").isTrue();
    get(c.getLockClient().unlock(held.getKey()));
    assertThat(waiting.next()).isEqualTo("got-it");
    assertThat(waiting.awaitExit()).isZero();

    // etcdctl as the holder, on a 2 s session, killed with SIGKILL: the Lock service's waiter
    // gets the lock once the session's lease expires.
    Etcdctl.Stream holder = ctl("lock", "--ttl=2", "mixed");
    String holderKey = holder.next();
    assertThat(holderKey).startsWith("mixed/");
    long holderToken = kv(c, holderKey).getCreateRevision();
    long lease2 = keptLease(c, 10);
    CompletableFuture<LockResponse> next = c.getLockClient().lock(bs("mixed"), lease2);
    Await.until(
        LIMIT, "the service's waiter queued", () -> unchecked(() -> countUnder(c, "mixed/") == 2));
    assertThat(next.isDone()).isFalse();
    holder.kill();
    LockResponse got = get(next);
    assertThat(kv(c, str(got.getKey())).getCreateRevision()).isGreaterThan(holderToken);
    assertThat(kv(c, holderKey)).isNull();
    get(c.getLockClient().unlock(got.getKey()));
  }

  @Test
  void etcdctlElectCampaignsObservesAndResignsOnSigterm() throws Exception {
    Etcdctl.Stream observer = ctl("elect", "-l", "ctl-e");
    Etcdctl.Stream first = ctl("elect", "ctl-e", "p1");
    String firstKey = first.next();
    assertThat(firstKey).startsWith("ctl-e/");
    assertThat(first.next()).isEqualTo("p1");
    assertThat(observer.next()).isEqualTo(firstKey);
    assertThat(observer.next()).isEqualTo("p1");

    Client c = client(2);
    assertThat(str(get(c.getElectionClient().leader(bs("ctl-e"))).getKv().getValue()))
        .isEqualTo("p1");
    Etcdctl.Stream second = ctl("elect", "ctl-e", "p2");
    Await.until(LIMIT, "p2 is a candidate", () -> unchecked(() -> countUnder(c, "ctl-e/") == 2));
    assertThat(second.isAlive()).isTrue();

    first.terminate(); // SIGTERM: etcdctl resigns before it exits
    String secondKey = second.next();
    assertThat(second.next()).isEqualTo("p2");
    assertThat(observer.next()).isEqualTo(secondKey);
    assertThat(observer.next()).isEqualTo("p2");
    assertThat(str(get(c.getElectionClient().leader(bs("ctl-e"))).getKv().getKey()))
        .isEqualTo(secondKey);
  }
}
