package io.synod.bench;

import io.synod.common.Bytes;
import io.synod.raft.Entry;
import io.synod.raft.EntryType;
import io.synod.raft.Envelope;
import io.synod.raft.MemoryLogStore;
import io.synod.raft.ProposeResult;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftNode;
import io.synod.raft.Ready;
import io.synod.raft.Role;
import java.util.ArrayDeque;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Entries per second through the pure Raft core: a 3-member group of {@link RaftNode}s in one
 * thread, with {@link MemoryLogStore}s and no disk. One invocation has the leader propose a batch
 * of entries ({@code batch1}: one entry, {@code batch64}: 64) of {@code payloadBytes} each, then
 * runs every node's replica loop by hand (ready, persist to its in-memory log, deliver the messages
 * in memory, apply, advance) until the group is quiet again, the batch committed and applied on the
 * leader. The score counts entries, not invocations ({@link OperationsPerInvocation}). Every 8192
 * entries the logs are compacted (snapshot record plus compaction, no state machine data), so
 * memory stays bounded; that cost is included. Run with {@code bin/synod-bench jmh RaftCoreBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RaftCoreBench {
  private static final long GROUP_ID = 1;
  private static final int MEMBERS = 3;
  private static final long COMPACT_EVERY = 8192;

  /** A quiet group takes a handful of rounds; far more means something is looping. */
  private static final int ROUNDS_MAX = 10_000;

  @Param({"256"})
  public int payloadBytes;

  private RaftNode[] nodes;
  private MemoryLogStore[] stores;
  private final ArrayDeque<Envelope> network = new ArrayDeque<>();
  private RaftNode leader;
  private long leaderTerm;
  private Bytes payload;

  private long proposed;
  private long lastProposedIndex;
  private long appliedPayloads;
  private long compactedTo;

  @Setup
  public void setUp() {
    byte[] data = new byte[payloadBytes];
    new SplittableRandom(1).nextBytes(data);
    payload = Bytes.wrapOwned(data);
    nodes = new RaftNode[MEMBERS];
    stores = new MemoryLogStore[MEMBERS];
    List<Long> voters = List.of(1L, 2L, 3L);
    for (int i = 0; i < MEMBERS; i++) {
      stores[i] = new MemoryLogStore();
      RaftNode.bootstrap(stores[i], voters);
      nodes[i] = new RaftNode(RaftConfig.of(GROUP_ID, i + 1), stores[i], new SplittableRandom(i));
    }
    settle();
    nodes[0].campaign();
    settle();
    leader = nodes[0];
    check(leader.role() == Role.LEADER, "node 1 did not become the leader: " + leader);
    leaderTerm = leader.term();
    check(leader.commitIndex() == leader.lastIndex(), "the new leader's no-op did not commit");
    appliedPayloads = 0;
  }

  @TearDown
  public void tearDown() {
    check(proposed > 0, "nothing was proposed");
    check(leader.role() == Role.LEADER && leader.term() == leaderTerm, "leadership changed");
    check(leader.commitIndex() >= lastProposedIndex, "the last batch did not commit");
    check(
        appliedPayloads == proposed,
        "the leader applied " + appliedPayloads + " entries of " + proposed + " proposed");
    for (RaftNode n : nodes) {
      check(n.lastIndex() == leader.lastIndex(), "a follower's log is behind: " + n);
    }
  }

  @Benchmark
  @OperationsPerInvocation(1)
  public long batch1() {
    return replicate(1);
  }

  @Benchmark
  @OperationsPerInvocation(64)
  public long batch64() {
    return replicate(64);
  }

  private long replicate(int batch) {
    for (int i = 0; i < batch; i++) {
      ProposeResult r = leader.propose(payload);
      if (!(r instanceof ProposeResult.Accepted accepted)) {
        throw new IllegalStateException("proposal refused: " + r);
      }
      lastProposedIndex = accepted.index();
    }
    proposed += batch;
    settle();
    if (leader.commitIndex() < lastProposedIndex) {
      throw new IllegalStateException(
          "entry " + lastProposedIndex + " not committed: " + leader.status());
    }
    if (leader.appliedIndex() - compactedTo >= COMPACT_EVERY) {
      compact();
    }
    return leader.commitIndex();
  }

  /** Runs every replica loop and the network until nothing is left to do. */
  private void settle() {
    for (int round = 0; round < ROUNDS_MAX; round++) {
      boolean busy = false;
      for (int i = 0; i < MEMBERS; i++) {
        if (nodes[i].hasReady()) {
          handleReady(i);
          busy = true;
        }
      }
      while (!network.isEmpty()) {
        Envelope e = network.poll();
        nodes[(int) e.to() - 1].step(e);
        busy = true;
      }
      if (!busy) {
        return;
      }
    }
    throw new IllegalStateException("the group is still busy after " + ROUNDS_MAX + " rounds");
  }

  /** One turn of a replica loop, in the order {@link Ready} prescribes; sync is a no-op. */
  private void handleReady(int i) {
    RaftNode node = nodes[i];
    MemoryLogStore store = stores[i];
    Ready rd = node.ready();
    if (!rd.snapshot().isEmpty()) {
      store.installSnapshot(rd.snapshot());
    }
    if (!rd.entries().isEmpty()) {
      store.append(rd.entries());
    }
    rd.hardState().ifPresent(store::setHardState);
    if (rd.mustSync()) {
      store.sync();
    }
    network.addAll(rd.messages());
    if (node == leader) {
      for (Entry e : rd.committedEntries()) {
        if (e.type() == EntryType.NORMAL && !e.data().isEmpty()) {
          appliedPayloads++;
        }
      }
    }
    node.advance(rd);
  }

  /** Compacts every log up to what all members have applied (all are caught up when quiet). */
  private void compact() {
    long upTo = Long.MAX_VALUE;
    for (RaftNode n : nodes) {
      upTo = Math.min(upTo, n.appliedIndex());
    }
    if (upTo <= compactedTo) {
      return;
    }
    for (int i = 0; i < MEMBERS; i++) {
      stores[i].saveSnapshot(upTo, nodes[i].confState(), Bytes.EMPTY);
      stores[i].compact(upTo);
    }
    compactedTo = upTo;
  }

  private static void check(boolean condition, String message) {
    if (!condition) {
      throw new IllegalStateException(message);
    }
  }
}
