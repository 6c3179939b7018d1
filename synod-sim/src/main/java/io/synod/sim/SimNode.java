package io.synod.sim;

import io.synod.common.Buggify;
import io.synod.common.Bytes;
import io.synod.raft.Entry;
import io.synod.raft.MemoryLogStore;
import io.synod.raft.RaftConfig;
import io.synod.raft.SnapshotMeta;
import io.synod.raft.replica.LoopConfig;
import io.synod.raft.replica.ReplicaLoop;
import io.synod.raft.replica.StateMachine;
import io.synod.raft.replica.Transport;
import java.util.SplittableRandom;

/**
 * One simulated server: a disk that survives crashes and, while the process is up, the real {@link
 * ReplicaLoop} with a {@link KvStateMachine}. Crashing discards the process (every volatile thing,
 * pending callbacks included) and applies the disk's crash model; restarting builds a new loop from
 * what the disk kept, exactly as a real restart would.
 */
final class SimNode {
  enum State {
    UP,
    DOWN,
    /** Removed from the cluster and shut down for good. */
    RETIRED
  }

  final long id;
  final SimDisk disk;
  final long tickMicros;
  private final RaftConfig raftConfig;
  private final LoopConfig loopConfig;
  private final SplittableRandom random;
  private final SafetyChecker checker;
  private final Transport transport;
  private final Buggify buggify;

  private State state = State.DOWN;
  private ReplicaLoop loop;
  private KvStateMachine stateMachine;
  private long incarnation;
  private long pausedUntilMicros;

  /** Whether some node's configuration has contained this node. */
  boolean joined;

  /** The lowest applied index at which some node's configuration was seen to contain this node. */
  long joinedBy = Long.MAX_VALUE;

  /** The highest index this node applied, over all its incarnations. */
  long appliedMax;

  /** The term this node last led and its commit index then, for faults aimed at leaders. */
  long ledTerm;

  long ledCommit;

  /** Once the leader's configuration dropped this node: the leader's applied index at that time. */
  long retireAfter = Long.MAX_VALUE;

  SimNode(
      long id,
      MemoryLogStore initialDisk,
      long tickMicros,
      RaftConfig raftConfig,
      LoopConfig loopConfig,
      SplittableRandom random,
      double syncCrashRate,
      SafetyChecker checker,
      Transport transport,
      boolean buggifyOn) {
    this.id = id;
    this.tickMicros = tickMicros;
    this.raftConfig = raftConfig;
    this.loopConfig = loopConfig;
    this.random = random;
    this.checker = checker;
    this.transport = transport;
    this.disk = new SimDisk(initialDisk, random.split(), syncCrashRate);
    this.buggify = buggifyOn ? Buggify.enabled(random.split(), 0.25, 0.2) : Buggify.OFF;
  }

  /** Starts a process on the disk's current contents. */
  void start() {
    incarnation++;
    stateMachine = new KvStateMachine();
    loop =
        new ReplicaLoop(
            raftConfig,
            loopConfig,
            disk,
            new CheckedStateMachine(),
            transport,
            random.split(),
            buggify);
    state = State.UP;
    pausedUntilMicros = 0;
  }

  /** Kills the process; the disk keeps what its crash model allows. */
  void crash() {
    disk.crash();
    loop = null;
    stateMachine = null;
    state = State.DOWN;
  }

  void retire() {
    loop = null;
    stateMachine = null;
    state = State.RETIRED;
  }

  boolean isUp() {
    return state == State.UP;
  }

  State state() {
    return state;
  }

  long incarnation() {
    return incarnation;
  }

  ReplicaLoop loop() {
    return loop;
  }

  KvStateMachine stateMachine() {
    return stateMachine;
  }

  boolean isPaused(long nowMicros) {
    return pausedUntilMicros > nowMicros;
  }

  long pausedUntilMicros() {
    return pausedUntilMicros;
  }

  void pauseUntil(long micros) {
    pausedUntilMicros = Math.max(pausedUntilMicros, micros);
  }

  /** Reports every apply and restore to the safety checker. */
  private final class CheckedStateMachine implements StateMachine {
    @Override
    public Bytes apply(Entry entry) {
      Bytes result = stateMachine.apply(entry);
      checker.onApply(id, entry, stateMachine.stateHash());
      return result;
    }

    @Override
    public Bytes snapshot() {
      return stateMachine.snapshot();
    }

    @Override
    public void restore(SnapshotMeta meta, Bytes data) {
      stateMachine.restore(meta, data);
      checker.onRestore(id, meta.index(), stateMachine.stateHash());
    }
  }
}
