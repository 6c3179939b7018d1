package io.synod.server.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultEventLoop;
import io.synod.common.SystemClock;
import io.synod.raft.MemoryLogStore;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftNode;
import io.synod.raft.replica.LoopConfig;
import io.synod.raft.replica.ReplicaLoop;
import io.synod.server.Await;
import io.synod.server.CounterStateMachine;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NodeRunnerTest {
  private static final Duration LIMIT = Duration.ofSeconds(10);
  private final ExecutorService completions = Executors.newFixedThreadPool(2);
  private final List<Throwable> fatal = new CopyOnWriteArrayList<>();
  private NodeRunner runner;

  private NodeRunner start(int taskInboxMax) {
    MemoryLogStore store = new MemoryLogStore();
    RaftNode.bootstrap(store, List.of(1L));
    ReplicaLoop loop =
        new ReplicaLoop(
            RaftConfig.builder(1, 1).ticks(5, 1).build(),
            LoopConfig.defaults(),
            store,
            new CounterStateMachine(),
            e -> {},
            new SplittableRandom(1));
    runner =
        new NodeRunner(
            1,
            loop,
            SystemClock.INSTANCE,
            new NodeRunner.Options(Duration.ofMillis(5), 16, taskInboxMax, 8),
            completions,
            fatal::add);
    runner.start();
    Await.until(LIMIT, "the single voter elects itself", () -> runner.status().isLeader());
    return runner;
  }

  @AfterEach
  void stop() {
    if (runner != null) {
      runner.close();
    }
    completions.shutdownNow();
  }

  /** Occupies the loop thread until the returned latch is counted down (test only). */
  private CountDownLatch blockLoop() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    runner.call(
        loop -> {
          entered.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return null;
        });
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
    return release;
  }

  @Test
  void ticksElectAndProposalsApply() throws Exception {
    start(16);
    ProposalOutcome o = runner.propose(CounterStateMachine.add(3)).get(10, TimeUnit.SECONDS);
    assertThat(o).isInstanceOf(ProposalOutcome.Applied.class);
    ReadResult<Long> r =
        runner.read(sm -> ((CounterStateMachine) sm).sum()).get(10, TimeUnit.SECONDS);
    assertThat(r).isInstanceOf(ReadResult.Value.class);
    assertThat(((ReadResult.Value<Long>) r).value()).isEqualTo(3);
  }

  @Test
  void aFullInboxAnswersBusyAtOnce() throws Exception {
    start(1);
    CountDownLatch release = blockLoop();
    CompletableFuture<ProposalOutcome> queued = runner.propose(CounterStateMachine.add(1));
    CompletableFuture<ProposalOutcome> refused = runner.propose(CounterStateMachine.add(1));
    assertThat(refused.get(10, TimeUnit.SECONDS)).isInstanceOf(ProposalOutcome.Busy.class);
    CompletableFuture<ReadResult<Long>> read = runner.read(sm -> 0L);
    assertThat(read.get(10, TimeUnit.SECONDS)).isInstanceOf(ReadResult.Retry.class);
    assertThat(runner.busyTasks()).isEqualTo(2);
    assertThat(queued).isNotDone();
    release.countDown();
    assertThat(queued.get(10, TimeUnit.SECONDS)).isInstanceOf(ProposalOutcome.Applied.class);
  }

  @Test
  void stoppingAnswersEverythingStillWaiting() throws Exception {
    start(16);
    CountDownLatch release = blockLoop();
    CompletableFuture<ProposalOutcome> queued = runner.propose(CounterStateMachine.add(1));
    Thread closer = new Thread(runner::close);
    closer.start();
    Await.until(LIMIT, "closing", () -> closer.getState() != Thread.State.RUNNABLE);
    release.countDown();
    closer.join(10_000);
    assertThat(queued.get(10, TimeUnit.SECONDS))
        .isEqualTo(new ProposalOutcome.Busy("node stopped"));
    assertThat(runner.status().running()).isFalse();
    assertThat(runner.propose(CounterStateMachine.add(1)).get(10, TimeUnit.SECONDS))
        .isInstanceOf(ProposalOutcome.Busy.class);
    assertThat(fatal).isEmpty();
  }

  @Test
  void aFailingLoopStopsTheRunnerAndReportsIt() throws Exception {
    start(16);
    runner.call(
        loop -> {
          throw new AssertionError("broken invariant");
        });
    Await.until(LIMIT, "onFatal", () -> !fatal.isEmpty());
    assertThat(fatal.get(0)).hasMessage("broken invariant");
    assertThat(runner.failure()).isPresent();
    assertThat(runner.status().running()).isFalse();
    assertThat(runner.propose(CounterStateMachine.add(1)).get(10, TimeUnit.SECONDS))
        .isInstanceOf(ProposalOutcome.Busy.class);
    fatal.clear();
  }

  /**
   * Work submitted from a Netty event loop is answered on that event loop (one thread wake-up fewer
   * per request); work from any other thread is answered on the completion pool. Neither is ever
   * answered on the loop thread.
   */
  @Test
  void answersGoBackToTheCallersEventLoopElseToThePool() throws Exception {
    start(16);
    DefaultEventLoop eventLoop = new DefaultEventLoop();
    try {
      CompletableFuture<Thread> proposed = new CompletableFuture<>();
      CompletableFuture<Thread> read = new CompletableFuture<>();
      CompletableFuture<Thread> called = new CompletableFuture<>();
      Thread eventLoopThread =
          eventLoop
              .submit(
                  () -> {
                    // Dependents attached here, before the answer: they run where it completes.
                    runner
                        .propose(CounterStateMachine.add(1))
                        .whenComplete((o, e) -> proposed.complete(Thread.currentThread()));
                    runner
                        .read(sm -> 0L)
                        .whenComplete((o, e) -> read.complete(Thread.currentThread()));
                    runner
                        .call(loop -> 0L)
                        .whenComplete((o, e) -> called.complete(Thread.currentThread()));
                    return Thread.currentThread();
                  })
              .get(10, TimeUnit.SECONDS);
      assertThat(proposed.get(10, TimeUnit.SECONDS)).isSameAs(eventLoopThread);
      assertThat(read.get(10, TimeUnit.SECONDS)).isSameAs(eventLoopThread);
      assertThat(called.get(10, TimeUnit.SECONDS)).isSameAs(eventLoopThread);

      CountDownLatch release = blockLoop();
      CompletableFuture<Thread> fromPlainThread = new CompletableFuture<>();
      runner
          .propose(CounterStateMachine.add(1))
          .whenComplete((o, e) -> fromPlainThread.complete(Thread.currentThread()));
      release.countDown();
      Thread answeredOn = fromPlainThread.get(10, TimeUnit.SECONDS);
      assertThat(answeredOn.getName()).doesNotStartWith("synod-loop-");
      assertThat(answeredOn).isNotSameAs(Thread.currentThread()).isNotSameAs(eventLoopThread);
    } finally {
      eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  /** An event loop that shut down before the answer came: the pool answers instead. */
  @Test
  void anAnswerForAnEventLoopThatShutDownGoesToThePool() throws Exception {
    start(16);
    DefaultEventLoop eventLoop = new DefaultEventLoop();
    CountDownLatch release = blockLoop();
    CompletableFuture<ProposalOutcome> f =
        eventLoop
            .submit(() -> runner.propose(CounterStateMachine.add(1)))
            .get(10, TimeUnit.SECONDS);
    eventLoop.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    release.countDown();
    assertThat(f.get(10, TimeUnit.SECONDS)).isInstanceOf(ProposalOutcome.Applied.class);
    assertThat(fatal).isEmpty();
  }
}
