package io.synod.sim;

import io.synod.kv.KvConfig;
import io.synod.kv.KvPlantedBug;
import io.synod.kv.LeaseKeeperConfig;
import io.synod.lincheck.CheckResult;
import io.synod.lincheck.LinearizabilityChecker;
import io.synod.lincheck.Operation;
import io.synod.lincheck.Verdict;
import io.synod.lincheck.model.KvModel;
import io.synod.raft.ConfChange;
import io.synod.raft.ConfState;
import io.synod.raft.Envelope;
import io.synod.raft.MemoryLogStore;
import io.synod.raft.PlantedBug;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftMessage;
import io.synod.raft.RaftNode;
import io.synod.raft.Role;
import io.synod.raft.replica.LoopConfig;
import io.synod.raft.replica.ReplicaLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * One simulated run: a whole cluster of real {@link ReplicaLoop}s running synod-kv's state machine,
 * clients, watchers and an adversary, on one thread in virtual time, every random draw taken from
 * one seed.
 *
 * <p>Two phases, as in TigerBeetle's VOPR: in the <em>safety</em> phase faults are on (message
 * loss, duplication, delay and reordering, partitions, crashes that lose unsynced writes, crashes
 * in the middle of an fsync, pauses, clock skew, membership changes and leader transfers);
 * invariants are checked after every event, and every client answer and watch event as it arrives.
 * In the <em>liveness</em> phase the network heals and every node comes back; the cluster must then
 * serve a write and a read, revoke every lease the clients let go, bring every watcher up to date
 * and converge within a bound. At the end the client history must be linearizable and no lease may
 * have ended while a client held it.
 */
public final class Simulation {
  private static final int KIND_RAFT = 1;
  private static final int KIND_REQUEST = 2;
  private static final int KIND_RESPONSE = 3;
  private static final long LINCHECK_STEPS_MAX = 20_000_000;
  private static final long GROUP_ID = 1;

  private final long seed;
  private final SimOptions options;

  /**
   * How long a node gathers messages, proposals and reads into one batch of its loop (0: none,
   * every one is handled alone). Half the seeds batch, like the server's runner, which feeds
   * everything that arrived during an fsync into the next Ready.
   */
  private final long batchMicros;

  /** The loop of each node with a batch open, by node id. */
  private final java.util.TreeMap<Long, ReplicaLoop> openBatches = new java.util.TreeMap<>();

  /** {@link io.synod.raft.replica.LoopConfig#snapshotLogPercent()} of every node of this seed. */
  private final long snapshotLogPercent;

  private final Set<PlantedBug> plantedBugs;
  private final KvConfig kvConfig;
  private final LeaseKeeperConfig keeperConfig;
  private final SplittableRandom random;
  private final EventQueue events = new EventQueue();
  private final TraceHash trace = new TraceHash();
  private final SafetyChecker checker;
  private final SimNetwork network;
  private final WorkloadOptions workload;
  private final ReferenceKv reference;
  private final KvChecks kvChecks;
  private final LeaseChecker leaseChecker = new LeaseChecker();
  private final WatchChecker watchChecker;
  private final SimServer server;
  private final List<SimWatcher> watchers = new ArrayList<>();
  private final TreeMap<Long, SimNode> nodes = new TreeMap<>();
  private final List<SimClient> clients = new ArrayList<>();
  private final List<Operation<KvModel.Input, KvModel.Output>> history = new ArrayList<>();
  private final TreeMap<String, List<String>> writtenValues = new TreeMap<>();
  private final SplittableRandom faultRandom;
  private final SplittableRandom adminRandom;

  private Consumer<String> eventLog = line -> {};
  private boolean tracing;
  private long historyClock;
  private long observedRevision;
  private long nextSpareId;
  private boolean liveness;
  private long healedAtMicros;
  private long snapshotExtraMicros;
  private boolean wroteAfterHeal;
  private boolean readAfterHeal;
  private boolean done;
  private long crashes;
  private long confChanges;
  private long transfers;

  /** A simulation of {@code seed}; {@code nodesOverride > 0} fixes the founding cluster size. */
  public Simulation(long seed, int nodesOverride, Set<PlantedBug> plantedBugs) {
    this(seed, nodesOverride, plantedBugs, Set.of());
  }

  /**
   * A simulation of {@code seed} with known-wrong rules switched on in Raft ({@code plantedBugs})
   * and in the key-value state machine and lease keeper ({@code kvBugs}), testing the simulator.
   */
  public Simulation(
      long seed, int nodesOverride, Set<PlantedBug> plantedBugs, Set<KvPlantedBug> kvBugs) {
    this.seed = seed;
    this.plantedBugs = plantedBugs;
    this.random = new SplittableRandom(seed);
    this.options = SimOptions.draw(random.split(), nodesOverride);
    this.network = new SimNetwork(events, random.split(), options, trace);
    this.faultRandom = random.split();
    this.adminRandom = random.split();
    this.workload = WorkloadOptions.draw(random.split(), options);
    KvConfig kv = workload.kvConfig();
    this.kvConfig = new KvConfig(kv.minLeaseTtlSeconds(), kv.watch(), kvBugs);
    this.keeperConfig = workload.keeper().withPlantedBugs(kvBugs);
    // The reference is one more replica: it runs the same code, planted bugs included.
    this.reference = new ReferenceKv(kvConfig, this::onCommittedRevoke);
    this.checker = new SafetyChecker(reference::apply);
    this.kvChecks = new KvChecks(reference);
    this.watchChecker = new WatchChecker(reference);
    this.server = new SimServer(this, leaseChecker, random.split());
    // Drawn from a stream of its own so that the other draws of existing seeds stay as they were.
    SplittableRandom batching = new SplittableRandom(seed ^ 0x6261746368L);
    this.batchMicros = batching.nextBoolean() ? 1 + batching.nextLong(2_000) : 0;
    // Half the seeds snapshot by entry count alone, the others also wait for log bytes (25 % or
    // 100 % of the image, as the server does): LoopConfig.snapshotLogPercent.
    long[] percents = {0, 0, 25, 100};
    this.snapshotLogPercent =
        percents[new SplittableRandom(seed ^ 0x736e61706c6f67L).nextInt(percents.length)];
  }

  /** Prints every event (for replaying one seed with --trace). */
  public Simulation withEventLog(Consumer<String> log) {
    this.eventLog = log;
    this.tracing = true;
    return this;
  }

  /** Whether events are printed (--trace); callers skip building lines nobody reads. */
  boolean tracing() {
    return tracing;
  }

  void log(String what) {
    if (tracing) {
      eventLog.accept(String.format(java.util.Locale.ROOT, "%10.6f %s", nowMicros() / 1e6, what));
    }
  }

  SimOptions options() {
    return options;
  }

  WorkloadOptions workload() {
    return workload;
  }

  ReferenceKv reference() {
    return reference;
  }

  SimNetwork network() {
    return network;
  }

  SimNode node(long id) {
    return nodes.get(id);
  }

  EventQueue events() {
    return events;
  }

  long nowMicros() {
    return events.nowMicros();
  }

  /** A logical clock for the history: strictly increasing, so no two events tie. */
  long historyClock() {
    return ++historyClock;
  }

  /** Runs the simulation to the end and reports what it found. */
  public SimResult run() {
    try {
      setUp();
      while (!done && events.runNext(endMicros())) {
        checkAll();
      }
      if (!done) {
        throw new SimulationFailure(livenessReport());
      }
      return finish();
    } catch (SimulationFailure f) {
      return result(Optional.of(f.getMessage()));
    } catch (AssertionError | RuntimeException e) {
      return result(Optional.of("invariant broken in the core: " + describe(e)));
    }
  }

  /** When the liveness phase must be done (it may grow when the phase begins). */
  private long endMicros() {
    return options.safetyMicros() + livenessBoundMicros();
  }

  private long livenessBoundMicros() {
    return options.livenessBoundMicros() + workload.livenessExtraMicros() + snapshotExtraMicros;
  }

  /**
   * Time to bring a member up to date by snapshot, added to the liveness bound when the phase
   * begins: with the real state machine a snapshot holds the whole revision log since the last
   * compaction (tens of kilobytes), and some seeds send it in chunks of a few dozen bytes, two at a
   * time. Allows three transfers of half again the committed state then, one chunk per round trip
   * of the slowest message plus two ticks (reordered chunks stall the window until a resend).
   */
  private void allowForSnapshotTransfers() {
    // The reference holds everything committed: no replica's state is larger.
    long imageBytes = reference.imageBytes() * 3L / 2 + 4096;
    long chunks = (imageBytes + options.snapshotChunkBytes() - 1) / options.snapshotChunkBytes();
    long perChunkMicros = 2 * options.delayMaxMicros() + 2 * options.tickMicros();
    snapshotExtraMicros = 3 * chunks * perChunkMicros;
  }

  private void setUp() {
    List<Long> founders = new ArrayList<>();
    for (long id = 1; id <= options.nodes(); id++) {
      founders.add(id);
    }
    for (long id : founders) {
      MemoryLogStore disk = new MemoryLogStore();
      RaftNode.bootstrap(disk, founders);
      SimNode node = newNode(id, disk);
      node.joined = true;
      node.start();
      scheduleTick(node);
    }
    nextSpareId = options.nodes() + 1;
    for (int i = 0; i < options.clients(); i++) {
      SimClient c = new SimClient(this, i + 1, random.split(), kvChecks, leaseChecker);
      clients.add(c);
      events.after(random.nextLong(50_000), c::next);
    }
    for (int i = 0; i < workload.watchers(); i++) {
      SimWatcher w = new SimWatcher(this, i + 1, random.split(), watchChecker);
      watchers.add(w);
      w.start();
    }
    scheduleFaults();
    events.after(options.safetyMicros(), this::enterLiveness);
  }

  private SimNode newNode(long id, MemoryLogStore disk) {
    SplittableRandom r = random.split();
    long tick =
        Math.round(options.tickMicros() * (1 + (r.nextDouble() * 2 - 1) * options.clockSkew()));
    RaftConfig raft =
        RaftConfig.builder(GROUP_ID, id)
            .ticks(options.electionTicks(), options.heartbeatTicks())
            .preVote(options.preVote())
            .checkQuorum(options.checkQuorum())
            .appendBytesMax(options.appendBytesMax())
            .inflight(options.inflightAppends(), 1L << 20)
            .snapshotChunks(options.snapshotChunkBytes(), 2)
            .plantedBugs(plantedBugs)
            .build();
    LoopConfig loop =
        new LoopConfig(
            options.snapshotEntries(),
            options.retainEntries(),
            4096,
            4096,
            Math.max(4, 3 * options.electionTicks()),
            snapshotLogPercent);
    SimNode node =
        new SimNode(
            id,
            disk,
            Math.max(1_000, tick),
            raft,
            loop,
            r,
            options.syncCrashRate(),
            checker,
            this::sendRaft,
            options.buggify(),
            kvConfig,
            keeperConfig,
            (double) options.tickMicros() / Math.max(1_000, tick),
            this::nowMicros,
            this::log);
    nodes.put(id, node);
    return node;
  }

  // ------------------------------------------------------------------ node events

  private void scheduleTick(SimNode node) {
    long incarnation = node.incarnation();
    events.after(
        node.tickMicros,
        () -> {
          if (!node.isUp() || node.incarnation() != incarnation) {
            return;
          }
          if (!node.isPaused(nowMicros())) {
            trace.fold(nowMicros(), 10, node.id, 0);
            withLoop(node, ReplicaLoop::tick);
            if (node.isUp() && node.incarnation() == incarnation) {
              withNode(node, server::onTick);
            }
          }
          if (node.isUp() && node.incarnation() == incarnation) {
            scheduleTick(node);
          }
        });
  }

  /**
   * Runs {@code action} on the node's loop; a crash in the middle of an fsync takes the node down.
   */
  void withLoop(SimNode node, Consumer<ReplicaLoop> action) {
    try {
      ReplicaLoop loop = node.loop();
      if (batchMicros > 0 && openBatches.get(node.id) != loop) {
        loop.beginBatch();
        openBatches.put(node.id, loop);
        events.after(batchMicros, () -> endBatch(node, loop));
      }
      action.accept(loop);
    } catch (SimDisk.SimulatedCrash crash) {
      crash(node, "fsync");
    }
  }

  /**
   * Ends the batch {@code loop} opened, as the server's runner does after draining its inboxes:
   * what arrived in the batch is written, synced and sent as one Ready. A loop that crashed
   * meanwhile is gone with its batch; a paused node ends it when the pause is over.
   */
  private void endBatch(SimNode node, ReplicaLoop loop) {
    if (!node.isUp() || node.loop() != loop) {
      openBatches.remove(node.id, loop);
      return;
    }
    if (node.isPaused(nowMicros())) {
      events.after(node.pausedUntilMicros() - nowMicros(), () -> endBatch(node, loop));
      return;
    }
    openBatches.remove(node.id);
    try {
      loop.endBatch();
    } catch (SimDisk.SimulatedCrash crash) {
      crash(node, "fsync");
    }
  }

  /**
   * Runs {@code action} on the node (which may drive its loop); a crash in an fsync takes it down.
   */
  private void withNode(SimNode node, Consumer<SimNode> action) {
    try {
      action.accept(node);
    } catch (SimDisk.SimulatedCrash crash) {
      crash(node, "fsync");
    }
  }

  private void sendRaft(Envelope e) {
    RaftMessage body = e.body();
    boolean preVote =
        (body instanceof RaftMessage.VoteRequest v && v.preVote())
            || (body instanceof RaftMessage.VoteResponse r && r.preVote());
    if (!preVote) {
      checker.onSent(e.from(), e.term());
    }
    network.send(e.from(), e.to(), KIND_RAFT, () -> deliverRaft(e));
  }

  private void deliverRaft(Envelope e) {
    SimNode node = nodes.get(e.to());
    if (node == null || !node.isUp()) {
      return;
    }
    if (node.isPaused(nowMicros())) {
      events.after(node.pausedUntilMicros() - nowMicros(), () -> deliverRaft(e));
      return;
    }
    trace.fold(nowMicros(), 11, e.to(), e.from() * 1_000_003 + e.term());
    if (tracing) {
      log("deliver " + e);
    }
    withLoop(node, loop -> loop.receive(e));
  }

  private void crash(SimNode node, String why) {
    if (!node.isUp()) {
      return;
    }
    crashes++;
    trace.fold(nowMicros(), 12, node.id, why.length());
    log("crash node " + node.id + " (" + why + ")");
    long incarnation = node.incarnation();
    node.crash();
    for (SimWatcher w : watchers) {
      w.onNodeDown(node, incarnation);
    }
    long downMicros = 10_000 + faultRandom.nextLong(liveness ? 10_000 : 3_000_000);
    events.after(downMicros, () -> restart(node));
  }

  private void restart(SimNode node) {
    if (node.state() != SimNode.State.DOWN) {
      return;
    }
    trace.fold(nowMicros(), 13, node.id, 0);
    log("restart node " + node.id);
    try {
      node.start();
    } catch (SimDisk.SimulatedCrash crash) {
      crash(node, "fsync during start");
      return;
    }
    scheduleTick(node);
  }

  // ------------------------------------------------------------------ clients

  long randomNodeId(SplittableRandom r) {
    List<Long> candidates = new ArrayList<>();
    for (SimNode n : nodes.values()) {
      if (n.state() != SimNode.State.RETIRED) {
        candidates.add(n.id);
      }
    }
    return candidates.get(r.nextInt(candidates.size()));
  }

  /** A member of the current leader's configuration (any live node if there is no leader). */
  long randomMemberId(SplittableRandom r) {
    SimNode leader = currentLeader();
    if (leader == null) {
      return randomNodeId(r);
    }
    List<Long> members = leader.loop().node().confState().members();
    return members.get(r.nextInt(members.size()));
  }

  boolean isMember(long id) {
    SimNode leader = currentLeader();
    return leader != null && leader.loop().node().confState().contains(id);
  }

  /** Sends a client's request; the network never duplicates it. */
  void sendRequest(long nodeId, Rpc.Request request) {
    network.sendOnce(
        request.caller().endpoint(), nodeId, KIND_REQUEST, () -> onRequest(nodeId, request));
  }

  private void onRequest(long nodeId, Rpc.Request request) {
    SimNode node = nodes.get(nodeId);
    if (node == null || !node.isUp()) {
      return;
    }
    if (node.isPaused(nowMicros())) {
      events.after(node.pausedUntilMicros() - nowMicros(), () -> onRequest(nodeId, request));
      return;
    }
    trace.fold(nowMicros(), 14, nodeId, request.caller().endpoint() * 1_000_003L + request.seq());
    withNode(node, n -> server.onRequest(n, request));
  }

  void sendReply(SimNode node, Rpc.Request request, Rpc.Reply reply) {
    network.send(
        node.id,
        request.caller().endpoint(),
        KIND_RESPONSE,
        () -> {
          trace.fold(nowMicros(), 15, request.caller().endpoint(), request.seq());
          request.caller().onReply(request, reply);
        });
  }

  /** Folds a watcher's observation into the trace hash (kinds 25 and up). */
  void fold(int kind, long a, long b) {
    trace.fold(nowMicros(), kind, a, b);
  }

  void record(Operation<KvModel.Input, KvModel.Output> op) {
    history.add(op);
  }

  /** Tracks liveness: a write and a read must complete after the network healed. */
  void noteCompleted(boolean write, boolean linearizable) {
    if (!liveness || nowMicros() < healedAtMicros) {
      return;
    }
    if (write) {
      wroteAfterHeal = true;
    } else if (linearizable) {
      readAfterHeal = true;
    }
  }

  /** Tracks values written, so compare-and-set clients can guess a current value. */
  void noteWritten(String key, String value) {
    writtenValues.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
  }

  /** The highest revision any client has seen (watchers start from around it). */
  long observedRevision() {
    return observedRevision;
  }

  void observeRevision(long revision) {
    observedRevision = Math.max(observedRevision, revision);
  }

  private void onCommittedRevoke(long leaseId, long term, long index) {
    trace.fold(nowMicros(), 24, leaseId, index);
    if (tracing) {
      log("revoke of lease " + leaseId + " committed at index " + index + " (term " + term + ")");
    }
    leaseChecker.onCommittedRevoke(leaseId, term, index, nowMicros());
  }

  Optional<String> lastWrittenValue(String key, SplittableRandom r) {
    List<String> values = writtenValues.get(key);
    if (values == null || values.isEmpty() || r.nextInt(5) == 0) {
      return Optional.empty();
    }
    return Optional.of(values.get(Math.max(0, values.size() - 1 - r.nextInt(3))));
  }

  // ------------------------------------------------------------------ faults

  private void scheduleFaults() {
    repeat(options.crashMeanMicros(), this::crashSomeNode);
    repeat(options.partitionMeanMicros(), this::partition);
    repeat(options.pauseMeanMicros(), this::pauseSomeNode);
    repeat(options.membershipMeanMicros(), this::changeMembership);
    repeat(options.transferMeanMicros(), this::transferLeadership);
  }

  /** Runs {@code action} at exponentially distributed intervals of mean {@code meanMicros}. */
  private void repeat(long meanMicros, Runnable action) {
    if (meanMicros <= 0) {
      return;
    }
    long delay = (long) (-Math.log(1 - faultRandom.nextDouble()) * meanMicros);
    events.after(
        delay,
        () -> {
          if (!liveness) {
            action.run();
            repeat(meanMicros, action);
          }
        });
  }

  private void crashSomeNode() {
    // Leaders are where the interesting failures are: half the time, kill the leader.
    SimNode node = faultRandom.nextBoolean() ? currentLeader() : null;
    if (node == null) {
      node = randomUpNode(faultRandom);
    }
    if (node != null) {
      crash(node, "killed");
    }
  }

  private void pauseSomeNode() {
    SimNode node = randomUpNode(faultRandom);
    if (node != null) {
      long until = nowMicros() + 10_000 + faultRandom.nextLong(2_000_000);
      trace.fold(nowMicros(), 16, node.id, until);
      log("pause node " + node.id + " until " + until / 1e6);
      node.pauseUntil(until);
    }
  }

  /**
   * Cuts the network for a while: most often the leader alone or with a minority (Jepsen's
   * favourite), else random halves, else some one-way links. The cut heals on its own after a
   * duration drawn around the election timeout, so that elections happen on both sides of it.
   */
  private void partition() {
    List<Long> ids = new ArrayList<>(nodes.keySet());
    if (ids.size() < 2 || network.isPartitioned()) {
      return;
    }
    if (faultRandom.nextDouble() < options.asymmetricPartitionRate() * 0.5) {
      int links = 1 + faultRandom.nextInt(ids.size());
      for (int i = 0; i < links; i++) {
        long from = ids.get(faultRandom.nextInt(ids.size()));
        long to = ids.get(faultRandom.nextInt(ids.size()));
        if (from != to) {
          network.block(from, to);
          trace.fold(nowMicros(), 18, from, to);
          log("block link " + from + "->" + to);
        }
      }
    } else {
      List<Long> side = partitionSide(ids);
      for (long a : ids) {
        for (long b : ids) {
          if (side.contains(a) != side.contains(b)) {
            network.block(a, b);
          }
        }
      }
      trace.fold(nowMicros(), 19, side.size(), side.hashCode());
      log("partition " + side + " from the rest");
    }
    long electionMicros = (long) options.electionTicks() * options.tickMicros();
    long duration = electionMicros / 2 + faultRandom.nextLong(8 * electionMicros);
    events.after(
        duration,
        () -> {
          if (!liveness) {
            trace.fold(nowMicros(), 17, 0, 0);
            log("heal network");
            network.healAll();
          }
        });
  }

  private List<Long> partitionSide(List<Long> ids) {
    List<Long> side = new ArrayList<>();
    SimNode leader = currentLeader();
    if (leader != null && faultRandom.nextInt(4) != 0) {
      side.add(leader.id);
      for (long id : ids) {
        if (id != leader.id && side.size() < (ids.size() - 1) / 2 && faultRandom.nextInt(3) == 0) {
          side.add(id);
        }
      }
      return side;
    }
    for (long id : ids) {
      if (faultRandom.nextBoolean()) {
        side.add(id);
      }
    }
    return side;
  }

  private void transferLeadership() {
    SimNode leader = currentLeader();
    if (leader == null) {
      return;
    }
    List<Long> voters = leader.loop().node().confState().voters();
    long target = voters.get(adminRandom.nextInt(voters.size()));
    transfers++;
    trace.fold(nowMicros(), 20, leader.id, target);
    log("transfer leadership from " + leader.id + " to " + target);
    withLoop(leader, loop -> loop.transferLeadership(target));
  }

  /** An operator changes the membership through the current leader, as etcdctl member would. */
  private void changeMembership() {
    SimNode leader = currentLeader();
    if (leader == null) {
      return;
    }
    ConfState conf = leader.loop().node().confState();
    Optional<ConfChange> change = MembershipPlanner.next(conf, adminRandom, this::spareNodeId);
    if (change.isEmpty()) {
      return;
    }
    confChanges++;
    trace.fold(nowMicros(), 21, leader.id, change.get().toString().length());
    log("propose membership change " + change.get() + " at " + leader.id);
    withLoop(leader, loop -> loop.proposeConfChange(change.get(), outcome -> {}));
  }

  /**
   * The id of a node a membership change is about to add: one started earlier that never joined, or
   * a fresh, empty one; 0 if none is left.
   */
  private long spareNodeId() {
    for (SimNode n : nodes.values()) {
      if (!n.joined && n.state() != SimNode.State.RETIRED) {
        return n.id;
      }
    }
    if (nextSpareId > options.nodes() + options.spareNodes()) {
      return 0;
    }
    long id = nextSpareId++;
    SimNode node = newNode(id, new MemoryLogStore());
    try {
      node.start();
    } catch (SimDisk.SimulatedCrash crash) {
      crash(node, "fsync during start");
      return id;
    }
    scheduleTick(node);
    return id;
  }

  private SimNode currentLeader() {
    SimNode best = null;
    for (SimNode n : nodes.values()) {
      if (n.isUp()
          && n.loop().node().role() == Role.LEADER
          && (best == null || n.loop().node().term() > best.loop().node().term())) {
        best = n;
      }
    }
    return best;
  }

  private SimNode randomUpNode(SplittableRandom r) {
    List<SimNode> up = new ArrayList<>();
    for (SimNode n : nodes.values()) {
      if (n.isUp()) {
        up.add(n);
      }
    }
    return up.isEmpty() ? null : up.get(r.nextInt(up.size()));
  }

  // ------------------------------------------------------------------ checks and phases

  private void checkAll() {
    for (SimNode n : nodes.values()) {
      if (!n.isUp()) {
        continue;
      }
      RaftNode raft = n.loop().node();
      checker.check(n.id, n.incarnation(), raft);
      maybeStrikeLeader(n, raft);
      n.appliedMax = Math.max(n.appliedMax, raft.appliedIndex());
      // The configuration is that of the applied index: look again only when it moved.
      if (raft.appliedIndex() != n.membersSeenAtIndex) {
        n.membersSeenAtIndex = raft.appliedIndex();
        for (long member : raft.confState().members()) {
          SimNode m = nodes.get(member);
          if (m != null) {
            m.joined = true;
            m.joinedBy = Math.min(m.joinedBy, raft.appliedIndex());
          }
        }
      }
    }
    retireRemovedNodes();
  }

  /**
   * Faults aimed at the most delicate moments of a leader's life: just after it wins an election,
   * and just after its commit index moves (Figure 8 of the Raft paper needs both). The crash comes
   * within a couple of network delays, so some messages of that moment escape and some do not.
   */
  private void maybeStrikeLeader(SimNode n, RaftNode raft) {
    if (liveness || options.strikeRate() == 0 || raft.role() != Role.LEADER) {
      return;
    }
    boolean elected = raft.term() != n.ledTerm;
    boolean committed = !elected && raft.commitIndex() > n.ledCommit;
    n.ledTerm = raft.term();
    n.ledCommit = raft.commitIndex();
    if ((elected || committed) && faultRandom.nextDouble() < options.strikeRate()) {
      long incarnation = n.incarnation();
      events.after(
          faultRandom.nextLong(2 * options.delayMaxMicros() + 1),
          () -> {
            if (n.isUp() && n.incarnation() == incarnation) {
              crash(n, elected ? "struck after election" : "struck after commit");
            }
          });
    }
  }

  /**
   * An operator shuts a removed node down, but only once no remaining voter can need its vote: the
   * leader's applied configuration no longer has it (and the leader has applied past the node's
   * addition, so this is a removal, not an addition not yet applied), and every voter of that
   * configuration has applied as far, which it never forgets (the commit index is synced before a
   * membership change applies). Ids are never reused, so a removal is final.
   */
  private void retireRemovedNodes() {
    SimNode leader = currentLeader();
    if (leader == null) {
      return;
    }
    RaftNode l = leader.loop().node();
    ConfState conf = l.confState();
    for (SimNode n : nodes.values()) {
      if (n.state() == SimNode.State.RETIRED
          || conf.contains(n.id)
          || l.appliedIndex() < n.joinedBy) {
        continue;
      }
      if (n.retireAfter == Long.MAX_VALUE) {
        n.retireAfter = l.appliedIndex();
      }
      if (votersReached(conf, n.retireAfter)) {
        trace.fold(nowMicros(), 22, n.id, 0);
        log("retire removed node " + n.id + " (configuration " + conf + ")");
        long incarnation = n.incarnation();
        n.retire();
        for (SimWatcher w : watchers) {
          w.onNodeDown(n, incarnation);
        }
      }
    }
  }

  private boolean votersReached(ConfState conf, long index) {
    for (long voter : conf.voters()) {
      SimNode v = nodes.get(voter);
      if (v == null || v.appliedMax < index) {
        return false;
      }
    }
    return true;
  }

  private void enterLiveness() {
    liveness = true;
    healedAtMicros = nowMicros();
    network.calm();
    trace.fold(nowMicros(), 23, 0, 0);
    allowForSnapshotTransfers();
    log("liveness phase: heal everything (bound " + livenessBoundMicros() / 1000 + " ms)");
    for (SimNode n : nodes.values()) {
      n.disk.disableCrashes();
      // A pause in progress runs out on its own (at most 2 s): cutting it short would let new
      // messages overtake those queued for its end, which ordered watch streams must not see.
      if (n.state() == SimNode.State.DOWN) {
        restart(n);
      }
    }
    watchers.forEach(SimWatcher::stop);
    probeLiveness();
  }

  /**
   * Done once a write and a read completed after healing, every lease the (then stopped) clients
   * let go was revoked, the cluster converged and every watcher caught up with the last revision.
   */
  private void probeLiveness() {
    watchers.forEach(SimWatcher::keepOnMember);
    if (wroteAfterHeal && readAfterHeal) {
      clients.forEach(SimClient::stop);
      if (reference.leaseCount() == 0 && converged() && watchersCaughtUp()) {
        done = true;
        return;
      }
    }
    events.after(20_000, this::probeLiveness);
  }

  private boolean watchersCaughtUp() {
    for (SimWatcher w : watchers) {
      if (!w.caughtUp(reference.revision())) {
        return false;
      }
    }
    return true;
  }

  /** Every member of the leader's configuration has applied everything the leader committed. */
  private boolean converged() {
    SimNode leader = currentLeader();
    if (leader == null) {
      return false;
    }
    RaftNode l = leader.loop().node();
    for (long member : l.confState().members()) {
      SimNode n = nodes.get(member);
      if (n == null || !n.isUp() || n.loop().node().appliedIndex() != l.commitIndex()) {
        return false;
      }
    }
    return l.appliedIndex() == l.commitIndex();
  }

  private String livenessReport() {
    SimNode leader = currentLeader();
    StringBuilder sb =
        new StringBuilder("liveness: no progress within ")
            .append(livenessBoundMicros() / 1000)
            .append(" ms after healing (wrote=")
            .append(wroteAfterHeal)
            .append(" read=")
            .append(readAfterHeal)
            .append(" leader=")
            .append(leader == null ? "none" : leader.id)
            .append(" leases=")
            .append(reference.leaseIds())
            .append(" revision=")
            .append(reference.revision())
            .append(")");
    for (SimWatcher w : watchers) {
      sb.append("\n  ").append(w.describe());
    }
    for (SimNode n : nodes.values()) {
      sb.append("\n  node ").append(n.id).append(' ').append(n.state());
      if (n.isUp()) {
        sb.append(' ').append(n.loop().node().status());
      }
    }
    return sb.toString();
  }

  private SimResult finish() {
    for (SimClient c : clients) {
      c.abandon();
    }
    CheckResult check = LinearizabilityChecker.check(KvModel.INSTANCE, history, LINCHECK_STEPS_MAX);
    if (check.verdict() == Verdict.NOT_LINEARIZABLE) {
      throw new SimulationFailure("linearizability: " + check.explanation());
    }
    leaseChecker.check(clockRateMax());
    SimResult r = result(Optional.empty());
    return check.verdict() == Verdict.UNKNOWN ? r.withLincheckUnknown() : r;
  }

  private double clockRateMax() {
    double max = 1;
    for (SimNode n : nodes.values()) {
      max = Math.max(max, n.clockRate());
    }
    return max;
  }

  private SimResult result(Optional<String> failure) {
    long ops = 0;
    for (SimClient c : clients) {
      ops += c.completed();
    }
    return new SimResult(
        seed,
        failure,
        events.executed(),
        ops,
        trace.value(),
        nowMicros(),
        crashes,
        confChanges,
        transfers,
        false,
        options.summary() + " snapshotlog=" + snapshotLogPercent + "% " + workload.summary());
  }

  private static String describe(Throwable e) {
    StringBuilder sb = new StringBuilder(e.toString());
    StackTraceElement[] stack = e.getStackTrace();
    for (int i = 0; i < Math.min(8, stack.length); i++) {
      sb.append("\n    at ").append(stack[i]);
    }
    return sb.toString();
  }
}
