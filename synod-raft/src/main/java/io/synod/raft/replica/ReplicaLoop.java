package io.synod.raft.replica;

import io.synod.common.Buggify;
import io.synod.common.Bytes;
import io.synod.raft.ConfChange;
import io.synod.raft.Entry;
import io.synod.raft.Envelope;
import io.synod.raft.HardState;
import io.synod.raft.LogStore;
import io.synod.raft.PlantedBug;
import io.synod.raft.ProposeResult;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftMessage;
import io.synod.raft.RaftNode;
import io.synod.raft.ReadIndexResult;
import io.synod.raft.ReadState;
import io.synod.raft.Ready;
import io.synod.raft.Snapshot;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * Drives one {@link RaftNode}: persists what it asks, sends its messages, applies committed entries
 * to the {@link StateMachine}, answers proposers and readers, and takes snapshots. Deterministic
 * and free of threads: the production shell calls it from one thread per replica, the simulator
 * from its single event loop; both run exactly this code.
 *
 * <p>Each Ready is handled in the order Raft requires: persist, sync, send, apply, advance. One
 * exception (Raft thesis §10.2.1): a leader's appends and heartbeats go out <em>before</em> its own
 * writes, so followers write to their disks while the leader writes to its own; the leader counts
 * its own copy only once {@link RaftNode#advance} says it is durable, and they promise nothing
 * about its disk. They go early only when the term and vote they carry are already durable: a
 * leader that forgot its term on a crash could otherwise be elected again in it and send different
 * entries at the same indexes. A storage failure propagates (fail-stop): the replica must be
 * discarded and restarted from disk.
 *
 * <p><b>Threads.</b> Not thread-safe; confined to one thread. Callbacks run on that thread.
 */
public final class ReplicaLoop {
  private final RaftConfig raftConfig;
  private final LoopConfig config;
  private final LogStore store;
  private final StateMachine stateMachine;
  private final Transport transport;
  private final RaftNode node;
  private final Buggify buggify;

  /** Proposals by log index; several may wait on one index (a log can flip between leaders). */
  private final TreeMap<Long, List<PendingProposal>> proposals = new TreeMap<>();

  private int proposalCount;
  private final Map<Long, PendingRead> readsAwaitingIndex = new LinkedHashMap<>();
  private final TreeMap<Long, List<Consumer<ReadOutcome>>> readsAwaitingApply = new TreeMap<>();
  private int readsAwaitingApplyCount;
  private long nextReadId = 1;
  private int batchDepth;
  private long ticks;
  private long seenTerm;
  private long seenLeader;

  /**
   * Bytes of the entries applied since the latest snapshot (taken or installed), as the log holds
   * them; counted again from the snapshot after a restart, since those entries are applied again.
   */
  private long appliedBytesSinceSnapshot;

  /** The term and vote on disk: every change of them is synced before the Ready's messages. */
  private long durableTerm;

  private long durableVote;

  private record PendingProposal(long term, Consumer<Outcome> callback) {}

  private record PendingRead(long issuedAtTick, Consumer<ReadOutcome> callback) {}

  /**
   * Restores a replica from {@code store}: the state machine from the latest snapshot, Raft from
   * the hard state and log. Committed entries after the snapshot are applied again.
   */
  public ReplicaLoop(
      RaftConfig raftConfig,
      LoopConfig config,
      LogStore store,
      StateMachine stateMachine,
      Transport transport,
      RandomGenerator random) {
    this(raftConfig, config, store, stateMachine, transport, random, Buggify.OFF);
  }

  /** As above, with fault points that fire only in simulation. */
  public ReplicaLoop(
      RaftConfig raftConfig,
      LoopConfig config,
      LogStore store,
      StateMachine stateMachine,
      Transport transport,
      RandomGenerator random,
      Buggify buggify) {
    this.buggify = buggify;
    this.raftConfig = raftConfig;
    this.config = config;
    this.store = store;
    this.stateMachine = stateMachine;
    this.transport = transport;
    Snapshot snapshot = store.snapshot();
    stateMachine.restore(snapshot.meta(), snapshot.data());
    this.node = new RaftNode(raftConfig, store, random);
    this.seenTerm = node.term();
    HardState durable = store.hardState();
    this.durableTerm = durable.term();
    this.durableVote = durable.vote();
  }

  /** The Raft node, for status queries. Callers must not drive it directly. */
  public RaftNode node() {
    return node;
  }

  public StateMachine stateMachine() {
    return stateMachine;
  }

  /** Advances Raft time by one tick and expires reads that waited too long. */
  public void tick() {
    ticks++;
    node.tick();
    expireReads();
    processUnlessBatching();
  }

  /** Handles one message from a peer. */
  public void receive(Envelope envelope) {
    node.step(envelope);
    processUnlessBatching();
  }

  /**
   * Proposes {@code command}; {@code callback} learns its {@link Outcome} on this loop's thread.
   */
  public void propose(Bytes command, Consumer<Outcome> callback) {
    if (proposalCount >= config.pendingProposalsMax()) {
      callback.accept(new Outcome.Rejected("too many pending proposals"));
      return;
    }
    track(node.propose(command), callback);
    processUnlessBatching();
  }

  /** Proposes a membership change. */
  public void proposeConfChange(ConfChange change, Consumer<Outcome> callback) {
    track(node.proposeConfChange(change), callback);
    processUnlessBatching();
  }

  /** Asks the leader to hand leadership to {@code target}; returns whether a transfer started. */
  public boolean transferLeadership(long target) {
    boolean started = node.transferLeadership(target);
    processUnlessBatching();
    return started;
  }

  /**
   * Requests a linearizable read (Raft thesis §6.4). When {@code callback} gets {@link
   * ReadOutcome.Ready} the caller reads the state machine at once, on this thread.
   */
  public void read(Consumer<ReadOutcome> callback) {
    if (readsAwaitingIndex.size() + readsAwaitingApplyCount >= config.pendingReadsMax()) {
      callback.accept(new ReadOutcome.Retry("too many pending reads"));
      return;
    }
    long id = nextReadId++;
    ReadIndexResult result = node.readIndex(id);
    switch (result) {
      case ACCEPTED -> readsAwaitingIndex.put(id, new PendingRead(ticks, callback));
      case NO_LEADER -> callback.accept(new ReadOutcome.NotLeader(node.leaderId()));
      case BUSY -> callback.accept(new ReadOutcome.Retry("leader busy"));
    }
    processUnlessBatching();
  }

  private void track(ProposeResult result, Consumer<Outcome> callback) {
    if (result instanceof ProposeResult.Accepted a) {
      proposals
          .computeIfAbsent(a.index(), i -> new ArrayList<>(1))
          .add(new PendingProposal(a.term(), callback));
      proposalCount++;
    } else if (result instanceof ProposeResult.NotLeader n) {
      callback.accept(new Outcome.NotLeader(n.leaderHint()));
    } else if (result instanceof ProposeResult.Rejected r) {
      callback.accept(new Outcome.Rejected(r.reason() + ": " + r.detail()));
    }
  }

  /**
   * Starts a batch: until the matching {@link #endBatch()}, ticks, messages, proposals and reads
   * only step the node, and their writes, sends and applies wait for one Ready at the end. A shell
   * that feeds everything its inboxes hold into one batch turns N proposals into one append and one
   * fsync (group commit) and N reads into one heartbeat round. Batches nest.
   */
  public void beginBatch() {
    batchDepth++;
  }

  /** Ends a batch; the outermost end handles the Ready the batch built. */
  public void endBatch() {
    if (batchDepth == 0) {
      throw new IllegalStateException("endBatch without beginBatch");
    }
    if (--batchDepth == 0) {
      process();
    }
  }

  private void processUnlessBatching() {
    if (batchDepth == 0) {
      process();
    }
  }

  /** Handles every Ready the node has. */
  public void process() {
    while (node.hasReady()) {
      handle(node.ready());
    }
    noticeLeaderChange();
  }

  private void handle(Ready rd) {
    List<Envelope> afterSync = rd.messages();
    if (raftConfig.has(PlantedBug.ACK_BEFORE_SYNC)) {
      send(afterSync);
      afterSync = List.of();
    } else if (termAndVoteDurable(rd) && !afterSync.isEmpty()) {
      afterSync = sendLeaderTraffic(afterSync);
    }
    if (!rd.snapshot().isEmpty()) {
      store.installSnapshot(rd.snapshot());
    }
    store.append(rd.entries());
    rd.hardState().ifPresent(store::setHardState);
    if (rd.mustSync()) {
      store.sync();
    }
    rd.hardState()
        .ifPresent(
            h -> {
              durableTerm = h.term();
              durableVote = h.vote();
            });
    send(afterSync);
    if (!rd.snapshot().isEmpty()) {
      stateMachine.restore(rd.snapshot().meta(), rd.snapshot().data());
      forgetProposalsUpTo(rd.snapshot().index());
      appliedBytesSinceSnapshot = 0;
    }
    for (Entry e : rd.committedEntries()) {
      appliedBytesSinceSnapshot += e.data().size() + Entry.OVERHEAD_BYTES;
      Bytes result = stateMachine.apply(e);
      resolveProposals(e, result);
    }
    node.advance(rd);
    for (ReadState rs : rd.readStates()) {
      PendingRead pending = readsAwaitingIndex.remove(rs.requestId());
      if (pending != null) {
        readsAwaitingApply
            .computeIfAbsent(rs.index(), i -> new ArrayList<>())
            .add(pending.callback());
        readsAwaitingApplyCount++;
      }
    }
    releaseReads();
    maybeSnapshot();
  }

  /** Whether this Ready leaves the term and vote as they are on disk. */
  private boolean termAndVoteDurable(Ready rd) {
    return rd.hardState().map(h -> h.term() == durableTerm && h.vote() == durableVote).orElse(true);
  }

  /**
   * Sends the leader's appends and heartbeats of the durable term now (see the class comment);
   * returns the other messages, which wait for the sync.
   */
  private List<Envelope> sendLeaderTraffic(List<Envelope> messages) {
    List<Envelope> rest = new ArrayList<>(messages.size());
    for (Envelope e : messages) {
      boolean leaderTraffic =
          e.body() instanceof RaftMessage.AppendRequest
              || e.body() instanceof RaftMessage.HeartbeatRequest;
      if (leaderTraffic && e.term() == durableTerm) {
        transport.send(e);
      } else {
        rest.add(e);
      }
    }
    return rest;
  }

  private void send(List<Envelope> messages) {
    for (Envelope e : messages) {
      transport.send(e);
    }
  }

  private void resolveProposals(Entry applied, Bytes result) {
    List<PendingProposal> waiting = proposals.remove(applied.index());
    if (waiting == null) {
      return;
    }
    proposalCount -= waiting.size();
    for (PendingProposal p : waiting) {
      // Log Matching: one entry per (index, term), so the term tells whether it was ours.
      if (p.term() == applied.term()) {
        p.callback().accept(new Outcome.Applied(applied.index(), result));
      } else {
        p.callback().accept(new Outcome.Rejected("overwritten by another leader's entry"));
      }
    }
  }

  /**
   * A snapshot skipped these indexes: whether the proposals there were applied is not known here.
   */
  private void forgetProposalsUpTo(long index) {
    while (!proposals.isEmpty() && proposals.firstKey() <= index) {
      List<PendingProposal> waiting = proposals.pollFirstEntry().getValue();
      proposalCount -= waiting.size();
      for (PendingProposal p : waiting) {
        p.callback().accept(new Outcome.Unknown("installed a snapshot covering the entry"));
      }
    }
  }

  private void releaseReads() {
    long applied = node.appliedIndex();
    while (!readsAwaitingApply.isEmpty() && readsAwaitingApply.firstKey() <= applied) {
      Map.Entry<Long, List<Consumer<ReadOutcome>>> ready = readsAwaitingApply.pollFirstEntry();
      readsAwaitingApplyCount -= ready.getValue().size();
      for (Consumer<ReadOutcome> callback : ready.getValue()) {
        callback.accept(new ReadOutcome.Ready(ready.getKey()));
      }
    }
  }

  /** A read waiting for its index is lost when leadership changes; tell the reader to retry. */
  private void noticeLeaderChange() {
    if (node.term() == seenTerm && node.leaderId() == seenLeader) {
      return;
    }
    seenTerm = node.term();
    seenLeader = node.leaderId();
    failReadsAwaitingIndex("leadership changed");
  }

  private void expireReads() {
    Iterator<PendingRead> it = readsAwaitingIndex.values().iterator();
    while (it.hasNext()) {
      PendingRead r = it.next();
      if (ticks - r.issuedAtTick() >= config.readTimeoutTicks()) {
        it.remove();
        r.callback().accept(new ReadOutcome.Retry("read not confirmed in time"));
      }
    }
  }

  private void failReadsAwaitingIndex(String reason) {
    List<PendingRead> failed = new ArrayList<>(readsAwaitingIndex.values());
    readsAwaitingIndex.clear();
    for (PendingRead r : failed) {
      r.callback().accept(new ReadOutcome.Retry(reason));
    }
  }

  /**
   * Entries this member waits beyond the snapshot count: up to a tenth of it, fixed per member id.
   * Members that apply the same log would otherwise all snapshot at the same index, and their
   * captures (on the loop) and image writes (which on a small machine take the cores the loops
   * need) would all slow the cluster at once; staggered, a follower's snapshot leaves the leader
   * and the other voters committing.
   */
  private long snapshotStagger() {
    long spread = config.snapshotEntries() / 10;
    if (spread == 0) {
      return 0;
    }
    return Math.floorMod(memberHash(), spread);
  }

  /** A hash of this member's id: where it waits within a snapshot stagger. */
  private long memberHash() {
    long h = node.id() * 0x9E3779B97F4A7C15L;
    return h ^ (h >>> 32);
  }

  /**
   * Whether the log applied since the latest snapshot reached {@link
   * LoopConfig#snapshotLogPercent()} of the state machine's image. Without this, a state of 180 MiB
   * (uncompacted history under a steady put load) was written out every 100,000 entries of 300
   * bytes: six bytes of image per byte of log, a second of a core per member every 20 s.
   */
  private boolean logOutweighsImage() {
    long percent = config.snapshotLogPercent();
    if (percent == 0) {
      return true;
    }
    long image = stateMachine.imageBytesEstimate();
    long need = image / 100 * percent + image % 100 * percent / 100;
    // Staggered as the entry count is (up to a tenth more), or members of equal state would all
    // snapshot at the same index.
    need += need / 1000 * Math.floorMod(memberHash() >>> 7, 100);
    return appliedBytesSinceSnapshot >= need;
  }

  private void maybeSnapshot() {
    long applied = node.appliedIndex();
    long snapshotIndex = store.snapshotMeta().index();
    boolean due =
        applied - snapshotIndex >= config.snapshotEntries() + snapshotStagger()
            && logOutweighsImage();
    if (buggify.fires("loop.snapshot-late")) {
      due = false;
    } else if (applied > snapshotIndex && buggify.fires("loop.snapshot-early")) {
      due = true;
    }
    if (!due) {
      return;
    }
    store.saveSnapshot(applied, node.confState(), stateMachine.captureSnapshot());
    appliedBytesSinceSnapshot = 0;
    long retain = buggify.fires("loop.compact-all") ? 0 : config.retainEntries();
    long compactTo = applied - retain;
    if (compactTo >= store.firstIndex()) {
      store.compact(compactTo);
    }
  }
}
