package io.synod.sim;

import io.synod.common.Buggify;
import io.synod.common.Bytes;
import io.synod.kv.KvConfig;
import io.synod.kv.KvResponse;
import io.synod.kv.KvStateMachine;
import io.synod.kv.LeaseKeeper;
import io.synod.kv.LeaseKeeperConfig;
import io.synod.kv.LeaseTable;
import io.synod.raft.Entry;
import io.synod.raft.EntryType;
import io.synod.raft.MemoryLogStore;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftNode;
import io.synod.raft.Role;
import io.synod.raft.SnapshotMeta;
import io.synod.raft.replica.LoopConfig;
import io.synod.raft.replica.ReplicaLoop;
import io.synod.raft.replica.StateMachine;
import io.synod.raft.replica.Transport;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One simulated server: a disk that survives crashes and, while the process is up, the real {@link
 * ReplicaLoop} with synod-kv's {@link KvStateMachine}, and, while it leads, a {@link LeaseKeeper}.
 * Crashing discards the process (every volatile thing, pending callbacks, watch streams and the
 * keeper included) and applies the disk's crash model; restarting builds a new loop from what the
 * disk kept, exactly as a real restart would.
 *
 * <p>The node's clock runs at its own rate ({@code clockRate}, the clock skew between nodes): its
 * milliseconds are what the lease keeper and the watch hub see. Pauses do not stop it (a paused
 * process finds that time went on when it resumes).
 */
final class SimNode {
  private static final long FULL_HASH_EVERY = 16;

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
  private final KvConfig kvConfig;
  private final LeaseKeeperConfig keeperConfig;
  private final double clockRate;
  private final LongSupplier virtualMicros;
  private final Consumer<String> log;

  private State state = State.DOWN;
  private ReplicaLoop loop;
  private KvStateMachine stateMachine;
  private long incarnation;
  private long pausedUntilMicros;
  private LeaseKeeper keeper;
  private long keeperTerm;

  /** The highest revision a serializable read saw in this incarnation (they must not go back). */
  long servedRevision;

  /** When this node, leading, next proposes a compaction (the leader's periodic compactor). */
  long nextCompactMicros;

  /** The applied index at which the simulation last looked at this node's configuration. */
  long membersSeenAtIndex = -1;

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
      boolean buggifyOn,
      KvConfig kvConfig,
      LeaseKeeperConfig keeperConfig,
      double clockRate,
      LongSupplier virtualMicros,
      Consumer<String> log) {
    this.id = id;
    this.log = log;
    this.kvConfig = kvConfig;
    this.keeperConfig = keeperConfig;
    this.clockRate = clockRate;
    this.virtualMicros = virtualMicros;
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
    keeper = null;
    servedRevision = 0;
    stateMachine = new KvStateMachine(kvConfig);
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
    keeper = null;
    state = State.DOWN;
  }

  void retire() {
    loop = null;
    stateMachine = null;
    keeper = null;
    state = State.RETIRED;
  }

  /** This node's clock, in its own milliseconds. */
  long nowMillis() {
    return (long) Math.floor(virtualMicros.getAsLong() * clockRate / 1000);
  }

  double clockRate() {
    return clockRate;
  }

  /**
   * The lease keeper, if this node leads and has applied its own term's first entry; null
   * otherwise. Dropped here as soon as the node is seen not leading that term any more.
   */
  LeaseKeeper keeper() {
    if (keeper != null && !leads(keeperTerm)) {
      keeper.stop();
      keeper = null;
    }
    return keeper;
  }

  long keeperTerm() {
    return keeperTerm;
  }

  /** Whether this node is up and leads {@code term}. */
  boolean leads(long term) {
    if (!isUp()) {
      return false;
    }
    RaftNode raft = loop.node();
    return raft.role() == Role.LEADER && raft.term() == term;
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

  /**
   * A hash of the state after applying {@code index}, equal on every replica at the same index: at
   * every {@value #FULL_HASH_EVERY}th index the whole snapshot image (histories, revision log,
   * leases); in between, which is cheaper, the live key-values (etcd's HashKV), the revisions and
   * the lease table.
   */
  private long stateHash(long index) {
    if (index % FULL_HASH_EVERY == 0) {
      return stateMachine.stateHash();
    }
    KvResponse.HashKv kv = (KvResponse.HashKv) stateMachine.hashKv(0);
    long h = kv.hash();
    h = h * 1_000_003 + kv.revision();
    h = h * 1_000_003 + kv.compactRevision();
    LeaseTable leases = stateMachine.leases();
    for (long id : leases.ids()) {
      LeaseTable.LeaseInfo l = leases.lease(id).orElseThrow();
      h = h * 1_000_003 + l.id();
      h = h * 1_000_003 + l.grantedTtlSeconds();
      h = h * 1_000_003 + l.checkpointedRemainingMillis();
    }
    return h;
  }

  /** Reports every apply and restore to the safety checker. */
  private final class CheckedStateMachine implements StateMachine {
    @Override
    public Bytes apply(Entry entry) {
      Bytes result = stateMachine.apply(entry);
      checker.onApply(id, entry, stateHash(entry.index()));
      if (entry.type() == EntryType.NORMAL && entry.data().isEmpty()) {
        maybePromote(entry);
      }
      return result;
    }

    /**
     * etcd promotes its lessor when the leader applies its own term's empty entry: by then it has
     * applied every entry of earlier terms, so no older leader's revoke or checkpoint is still to
     * come, and it starts each lease from the newest checkpoint.
     */
    private void maybePromote(Entry entry) {
      RaftNode raft = loop.node();
      if (raft.role() != Role.LEADER || raft.term() != entry.term()) {
        return;
      }
      if (keeper != null) {
        keeper.stop();
      }
      keeper = LeaseKeeper.becomeLeader(stateMachine.leases(), keeperConfig, nowMillis());
      keeperTerm = entry.term();
      log.accept("node " + id + " promotes its lease keeper in term " + keeperTerm);
    }

    @Override
    public Bytes snapshot() {
      return stateMachine.snapshot();
    }

    @Override
    public Supplier<Bytes> captureSnapshot() {
      return stateMachine.captureSnapshot();
    }

    @Override
    public long imageBytesEstimate() {
      return stateMachine.imageBytesEstimate();
    }

    @Override
    public void restore(SnapshotMeta meta, Bytes data) {
      stateMachine.restore(meta, data);
      checker.onRestore(id, meta.index(), stateHash(meta.index()));
    }
  }
}
