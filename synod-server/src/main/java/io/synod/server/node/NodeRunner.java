package io.synod.server.node;

import io.synod.common.Bytes;
import io.synod.common.Clock;
import io.synod.raft.Envelope;
import io.synod.raft.RaftNode;
import io.synod.raft.replica.ReadOutcome;
import io.synod.raft.replica.ReplicaLoop;
import io.synod.raft.replica.StateMachine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs one {@link ReplicaLoop} on a thread of its own: the single writer of the replica's state.
 * Other threads (gRPC, peer transport, HTTP) hand it work over two bounded inboxes, one for Raft
 * messages from peers and one for tasks (proposals, reads, admin calls), and get answers through
 * {@link CompletableFuture}s. A real {@link Clock} drives {@link ReplicaLoop#tick()} every tick
 * interval (etcd's {@code --heartbeat-interval}); ticks missed while the thread was stalled are
 * dropped rather than fired in a burst, as etcd's ticker does, so a pause cannot trigger an instant
 * election.
 *
 * <pre>
 *   peer threads ──deliver(Envelope)──▶ [messages: bounded] ─┐
 *                                                            ├─▶ loop thread: tick / receive /
 *   gRPC, HTTP ──propose/read/call──▶ [tasks: bounded] ──────┘     propose / read ─▶ callbacks
 *                                                                         │
 *   futures completed on the completion executor  ◀───────────────────────┘
 * </pre>
 *
 * <p><b>Limits.</b> A full message inbox drops the message (Raft tolerates loss; counted). A full
 * task inbox answers at once: {@link ProposalOutcome.Busy} for a proposal, {@link ReadResult.Retry}
 * for a read, a {@link RejectedExecutionException} for an admin call. Futures are never completed
 * on the caller's thread by blocking, and never on the loop thread: dependent actions run on the
 * caller's Netty event loop when the call came from one ({@link CallerLoop}), else on the
 * completion executor, so a slow client cannot stall the replica.
 *
 * <p><b>Failure.</b> An exception out of the loop (a storage failure is fail-stop, a broken
 * invariant stops the node) stops the runner: every waiting proposal learns {@link
 * ProposalOutcome.Unknown}, every read {@link ReadResult.Retry}, and {@code onFatal} is told; the
 * process is expected to exit and recover from disk.
 *
 * <p><b>Threads.</b> Public methods are safe from any thread. The loop is touched only by the
 * runner's thread (it is handed over by {@link Thread#start()}).
 */
public final class NodeRunner implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(NodeRunner.class.getName());

  /** The most future completions one task of the completion executor runs. */
  private static final int COMPLETIONS_PER_TASK = 32;

  /**
   * Knobs of a runner.
   *
   * @param tickInterval how often the loop ticks (etcd's --heartbeat-interval)
   * @param messageInboxMax the most Raft messages waiting for the loop
   * @param taskInboxMax the most proposals, reads and admin calls waiting for the loop
   * @param batchMax the most messages (and tasks) handled between two looks at the clock
   */
  public record Options(
      Duration tickInterval, int messageInboxMax, int taskInboxMax, int batchMax) {
    public Options {
      if (tickInterval.isNegative() || tickInterval.isZero()) {
        throw new IllegalArgumentException("tickInterval must be positive");
      }
      if (messageInboxMax <= 0 || taskInboxMax <= 0 || batchMax <= 0) {
        throw new IllegalArgumentException("limits must be positive");
      }
    }

    public static Options defaults(Duration tickInterval) {
      return new Options(tickInterval, 16_384, 16_384, 256);
    }
  }

  /**
   * A unit of work for the loop thread. {@link #abandon} answers it when it will never complete:
   * {@code reachedLoop} says whether it already ran (a proposal that ran may have been appended).
   */
  private interface Task {
    void run();

    void abandon(String reason, boolean reachedLoop);
  }

  private final long groupId;
  private final long memberId;
  private final ReplicaLoop loop;
  private final Clock clock;
  private final Options options;
  private final Executor completions;
  private final Consumer<Throwable> onFatal;
  private final LoopHook hook;
  private final ArrayBlockingQueue<Envelope> messages;
  private final ArrayBlockingQueue<Task> tasks;
  private final Thread thread;
  private final LongAdder droppedMessages = new LongAdder();
  private final LongAdder busyTasks = new LongAdder();
  private final LongAdder leaderChanges = new LongAdder();
  private final LongAdder proposalsFailed = new LongAdder();
  private final java.util.concurrent.atomic.AtomicLong proposalsPending =
      new java.util.concurrent.atomic.AtomicLong();

  private volatile boolean sleeping;
  private volatile boolean stopping;
  private volatile boolean stopped;
  private volatile NodeStatus status;
  private volatile Throwable failure;

  /** Work that reached the loop and waits for its callback; loop thread only. */
  private final Set<Task> inLoop = new LinkedHashSet<>();

  /**
   * Future completions made during the current turn, handed over at its end: those for the
   * completion executor, and those for callers' event loops, by loop. Loop thread only.
   */
  private final List<Runnable> turnCompletions = new ArrayList<>();

  private final Map<Executor, List<Runnable>> turnAnswers = new IdentityHashMap<>();

  /**
   * Prepares a runner for {@code loop}, which must not be used by anyone else from now on. Call
   * {@link #start()}.
   *
   * @param completions runs the completion of every future this runner hands out
   * @param onFatal told (on the runner's thread) when the loop failed and the runner stopped
   */
  public NodeRunner(
      long groupId,
      ReplicaLoop loop,
      Clock clock,
      Options options,
      Executor completions,
      Consumer<Throwable> onFatal) {
    this(groupId, loop, clock, options, completions, onFatal, LoopHook.NONE);
  }

  /** As above, with {@code hook} run on the loop thread after every turn. */
  public NodeRunner(
      long groupId,
      ReplicaLoop loop,
      Clock clock,
      Options options,
      Executor completions,
      Consumer<Throwable> onFatal,
      LoopHook hook) {
    this.hook = hook;
    this.groupId = groupId;
    this.memberId = loop.node().id();
    this.loop = loop;
    this.clock = clock;
    this.options = options;
    this.completions = completions;
    this.onFatal = onFatal;
    this.messages = new ArrayBlockingQueue<>(options.messageInboxMax());
    this.tasks = new ArrayBlockingQueue<>(options.taskInboxMax());
    this.thread = new Thread(this::run, "synod-loop-" + groupId);
    this.thread.setDaemon(false);
    this.status = snapshotStatus(true);
  }

  /** Starts the loop thread. */
  public void start() {
    thread.start();
  }

  public long groupId() {
    return groupId;
  }

  public long memberId() {
    return memberId;
  }

  /** The state the loop last published. */
  public NodeStatus status() {
    return status;
  }

  /** Raft messages dropped because the inbox was full or the runner had stopped. */
  public long droppedMessages() {
    return droppedMessages.sum();
  }

  /** Tasks answered "busy" because the inbox was full. */
  public long busyTasks() {
    return busyTasks.sum();
  }

  /**
   * How often this replica saw the leader change to another known leader (etcd's {@code
   * leader_changes_seen_total}: the first leader it learns counts too).
   */
  public long leaderChanges() {
    return leaderChanges.sum();
  }

  /** Proposals made through this runner that were not applied (refused, lost or unknown). */
  public long proposalsFailed() {
    return proposalsFailed.sum();
  }

  /** Proposals made through this runner still waiting for their outcome. */
  public long proposalsPending() {
    return proposalsPending.get();
  }

  /** Why the loop failed, if it did. */
  public java.util.Optional<Throwable> failure() {
    return java.util.Optional.ofNullable(failure);
  }

  /**
   * Hands a Raft message from a peer to the loop; never blocks. Returns false (and counts) if it
   * was dropped.
   */
  public boolean deliver(Envelope envelope) {
    if (stopping || !messages.offer(envelope)) {
      droppedMessages.increment();
      return false;
    }
    wakeIfSleeping();
    return true;
  }

  /** Proposes {@code command}; the future learns what became of it. */
  public CompletableFuture<ProposalOutcome> propose(Bytes command) {
    CompletableFuture<ProposalOutcome> f = new CompletableFuture<>();
    proposalsPending.incrementAndGet();
    f.whenComplete(
        (outcome, error) -> {
          proposalsPending.decrementAndGet();
          if (!(outcome instanceof ProposalOutcome.Applied)) {
            proposalsFailed.increment();
          }
        });
    Executor answerOn = CallerLoop.current();
    submit(
        new Task() {
          @Override
          public void run() {
            Task self = this;
            inLoop.add(self);
            loop.propose(
                command,
                outcome -> {
                  inLoop.remove(self);
                  complete(f, ProposalOutcome.of(outcome), answerOn);
                });
          }

          @Override
          public void abandon(String reason, boolean reachedLoop) {
            complete(
                f,
                reachedLoop
                    ? new ProposalOutcome.Unknown(reason)
                    : new ProposalOutcome.Busy(reason),
                null);
          }
        });
    return f;
  }

  /**
   * A linearizable read: once a quorum confirmed the read index and the state machine applied it,
   * {@code reader} runs on the loop thread (it must be quick and must not keep references into the
   * state machine) and the future gets its result.
   */
  public <T> CompletableFuture<ReadResult<T>> read(Function<StateMachine, T> reader) {
    CompletableFuture<ReadResult<T>> f = new CompletableFuture<>();
    Executor answerOn = CallerLoop.current();
    submit(
        new Task() {
          @Override
          public void run() {
            Task self = this;
            inLoop.add(self);
            loop.read(
                outcome -> {
                  inLoop.remove(self);
                  ReadResult<T> result;
                  try {
                    result = readResult(outcome, reader);
                  } catch (RuntimeException e) {
                    // A faulty reader fails its read, not the replica.
                    completions.execute(() -> f.completeExceptionally(e));
                    return;
                  }
                  complete(f, result, answerOn);
                });
          }

          @Override
          public void abandon(String reason, boolean reachedLoop) {
            complete(f, new ReadResult.Retry<>(reason), null);
          }
        });
    return f;
  }

  private <T> ReadResult<T> readResult(ReadOutcome outcome, Function<StateMachine, T> reader) {
    if (outcome instanceof ReadOutcome.Ready r) {
      return new ReadResult.Value<>(r.readIndex(), reader.apply(loop.stateMachine()));
    } else if (outcome instanceof ReadOutcome.NotLeader n) {
      return new ReadResult.NotLeader<>(n.leaderHint());
    }
    return new ReadResult.Retry<>(((ReadOutcome.Retry) outcome).reason());
  }

  /**
   * Runs {@code fn} on the loop thread (status queries, serializable reads, membership changes
   * later). {@code fn} must be quick. The future fails with {@link RejectedExecutionException} if
   * the inbox is full or the runner stopped.
   */
  public <T> CompletableFuture<T> call(Function<ReplicaLoop, T> fn) {
    CompletableFuture<T> f = new CompletableFuture<>();
    Executor answerOn = CallerLoop.current();
    submit(
        new Task() {
          @Override
          public void run() {
            T value;
            try {
              value = fn.apply(loop);
            } catch (RuntimeException e) {
              completions.execute(() -> f.completeExceptionally(e));
              return;
            }
            complete(f, value, answerOn);
          }

          @Override
          public void abandon(String reason, boolean reachedLoop) {
            completions.execute(
                () -> f.completeExceptionally(new RejectedExecutionException(reason)));
          }
        });
    return f;
  }

  private void submit(Task task) {
    if (stopping) {
      task.abandon("node stopped", false);
      return;
    }
    if (!tasks.offer(task)) {
      busyTasks.increment();
      task.abandon("too many requests waiting for the replica loop", false);
      return;
    }
    // The loop may have drained its inbox for the last time just before the offer.
    if (stopped && tasks.remove(task)) {
      task.abandon("node stopped", false);
      return;
    }
    wakeIfSleeping();
  }

  private void wakeIfSleeping() {
    if (sleeping) {
      LockSupport.unpark(thread);
    }
  }

  /**
   * Makes the loop turn soon (and so run its {@link LoopHook}) even if no work arrives: for work
   * that became ready outside the loop, like a watch stream with room again. Safe from any thread;
   * never blocks.
   */
  public void wake() {
    LockSupport.unpark(thread);
  }

  /**
   * Completes {@code f} with {@code value} on {@code answerOn} (the caller's event loop), or on the
   * completion executor if that is null; from the loop thread, at the end of the turn.
   */
  private <T> void complete(CompletableFuture<T> f, T value, Executor answerOn) {
    Runnable completion = () -> f.complete(value);
    if (Thread.currentThread() == thread) {
      if (answerOn == null) {
        turnCompletions.add(completion);
      } else {
        turnAnswers.computeIfAbsent(answerOn, e -> new ArrayList<>()).add(completion);
      }
      return;
    }
    execute(completion);
  }

  /**
   * Hands the completions of the turn that just ended over, a few tasks for all of them rather than
   * one each: under load one turn answers hundreds of proposals, and a task per answer would cost a
   * thread hand-over per request.
   */
  private void flushCompletions() {
    handOver(turnCompletions, null);
    if (!turnAnswers.isEmpty()) {
      for (Map.Entry<Executor, List<Runnable>> e : turnAnswers.entrySet()) {
        handOver(e.getValue(), e.getKey());
      }
      turnAnswers.clear();
    }
  }

  /**
   * Runs {@code batch} (then clears it) in tasks of up to 32 on {@code target} (null: the pool).
   */
  private void handOver(List<Runnable> batch, Executor target) {
    int n = batch.size();
    for (int from = 0; from < n; from += COMPLETIONS_PER_TASK) {
      List<Runnable> chunk =
          List.copyOf(batch.subList(from, Math.min(n, from + COMPLETIONS_PER_TASK)));
      Runnable task =
          () -> {
            for (Runnable r : chunk) {
              r.run();
            }
          };
      if (target == null) {
        execute(task);
      } else {
        try {
          target.execute(task);
        } catch (RejectedExecutionException shutDown) {
          execute(task); // the caller's event loop is shutting down: answer from the pool
        }
      }
    }
    batch.clear();
  }

  private void execute(Runnable completion) {
    try {
      completions.execute(completion);
    } catch (RejectedExecutionException e) {
      completion.run();
    }
  }

  // ------------------------------------------------------------------ the loop thread

  private void run() {
    long intervalNanos = options.tickInterval().toNanos();
    long nextTick = clock.monotonicNanos() + intervalNanos;
    try {
      while (!stopping) {
        long now = clock.monotonicNanos();
        if (now >= nextTick) {
          loop.tick();
          nextTick += intervalNanos;
          if (now - nextTick >= intervalNanos) {
            nextTick = now + intervalNanos; // stalled: drop the missed ticks
          }
        }
        int handled = drainOnce();
        boolean more = !stopping && hook.afterTurn(loop, clock.monotonicNanos());
        publish(true);
        flushCompletions();
        if (handled == 0 && !more) {
          sleepUntil(nextTick);
        }
      }
    } catch (Throwable t) {
      failure = t;
      LOG.log(Level.SEVERE, "replica loop of group " + groupId + " failed; stopping", t);
    } finally {
      stopping = true;
      stopped = true;
      abandonAll(failure == null ? "node stopped" : "node failed: " + failure);
      publish(false);
      flushCompletions();
    }
    if (failure != null) {
      onFatal.accept(failure);
    }
  }

  /**
   * Feeds what the inboxes hold (up to {@code batchMax} of each) into one batch of the loop: all
   * the proposals and messages that arrived during the last fsync share the next one.
   */
  private int drainOnce() {
    int handled = 0;
    int taskCount = 0;
    // No try/finally: an exception out of the batch stops the runner, and ending the batch would
    // only run the failed loop again and hide the first error.
    loop.beginBatch();
    Envelope e;
    while (!stopping && handled < options.batchMax() && (e = messages.poll()) != null) {
      loop.receive(e);
      handled++;
    }
    Task t;
    while (!stopping && taskCount < options.batchMax() && (t = tasks.poll()) != null) {
      t.run();
      taskCount++;
    }
    loop.endBatch();
    return handled + taskCount;
  }

  private void sleepUntil(long deadlineNanos) {
    sleeping = true;
    try {
      if (messages.isEmpty() && tasks.isEmpty() && !stopping) {
        long waitNanos = deadlineNanos - clock.monotonicNanos();
        if (waitNanos > 0) {
          LockSupport.parkNanos(this, waitNanos);
        }
      }
    } finally {
      sleeping = false;
    }
  }

  private void abandonAll(String reason) {
    List<Task> reached = new ArrayList<>(inLoop);
    inLoop.clear();
    for (Task w : reached) {
      w.abandon(reason, true);
    }
    Task t;
    while ((t = tasks.poll()) != null) {
      t.abandon(reason, false);
    }
    int dropped = messages.size();
    messages.clear();
    droppedMessages.add(dropped);
  }

  private void publish(boolean running) {
    NodeStatus s = status;
    RaftNode n = loop.node();
    if (n.leaderId() != 0 && n.leaderId() != s.leaderId()) {
      leaderChanges.increment();
    }
    if (s.running() == running
        && s.term() == n.term()
        && s.leaderId() == n.leaderId()
        && s.role() == n.role()
        && s.commitIndex() == n.commitIndex()
        && s.appliedIndex() == n.appliedIndex()) {
      return;
    }
    status = snapshotStatus(running);
  }

  private NodeStatus snapshotStatus(boolean running) {
    RaftNode n = loop.node();
    return new NodeStatus(
        memberId, n.term(), n.leaderId(), n.role(), n.commitIndex(), n.appliedIndex(), running);
  }

  /** Stops the loop thread and waits (boundedly) for it; waiting work is answered. */
  @Override
  public void close() {
    stopping = true;
    LockSupport.unpark(thread);
    if (Thread.currentThread() == thread) {
      return;
    }
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
