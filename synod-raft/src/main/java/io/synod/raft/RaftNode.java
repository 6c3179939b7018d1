package io.synod.raft;

import io.synod.common.Assert;
import io.synod.common.Bytes;
import io.synod.raft.RaftMessage.AppendRequest;
import io.synod.raft.RaftMessage.AppendResponse;
import io.synod.raft.RaftMessage.HeartbeatRequest;
import io.synod.raft.RaftMessage.HeartbeatResponse;
import io.synod.raft.RaftMessage.ReadIndexRequest;
import io.synod.raft.RaftMessage.ReadIndexResponse;
import io.synod.raft.RaftMessage.SnapshotChunk;
import io.synod.raft.RaftMessage.SnapshotChunkResponse;
import io.synod.raft.RaftMessage.TimeoutNow;
import io.synod.raft.RaftMessage.VoteRequest;
import io.synod.raft.RaftMessage.VoteResponse;
import io.synod.raft.quorum.JointConfig;
import io.synod.raft.quorum.MajorityConfig;
import io.synod.raft.quorum.VoteResult;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.random.RandomGenerator;

/**
 * One replica of a Raft group, as a pure state machine: no IO, no threads, no clock, no ambient
 * randomness. The replica loop feeds it time ({@link #tick()}), messages ({@link #step(Envelope)})
 * and requests ({@link #propose}, {@link #readIndex}), and drains its output through {@link
 * #ready()} and {@link #advance(Ready)}.
 *
 * <p><b>Threads.</b> Not thread-safe: one loop owns the node and calls it from one thread.
 *
 * <p><b>Bad input.</b> {@link #step} never throws on what the network delivers: messages for
 * another group or node, from unknown members, stale or duplicated, are ignored and counted in
 * {@link Status#ignoredMessages()}. An {@link AssertionError} means a broken invariant (corrupt
 * storage or a bug); the replica must stop.
 *
 * <p>The protocol follows the Raft paper and Ongaro's thesis; comments cite the rule they
 * implement.
 */
public final class RaftNode {
  /** Node id 0 means "nobody": no vote cast, no leader known. */
  public static final long NONE = 0;

  private final RaftConfig cfg;
  private final long id;
  private final RandomGenerator random;
  private final RaftLog log;

  private long term;
  private long vote;
  private long leaderId;
  private Role role = Role.FOLLOWER;

  /** Exactly one of these is non-null, matching {@link #role}. */
  private LeaderState leader;

  private CandidateState candidate;
  private SnapshotReceiver snapshotReceiver;

  private ConfState conf;
  private JointConfig voters;

  private int electionElapsed;
  private int randomizedElectionTicks;

  private final LeaderHost leaderHost = new LeaderHost();
  private final List<Envelope> outbox = new ArrayList<>();
  private final List<ReadState> readStates = new ArrayList<>();
  private HardState lastReadyHardState;
  private Ready outstanding;
  private long ignoredMessages;

  /**
   * Restores a replica from {@code storage}. The state machine must be restored from the storage's
   * snapshot: committed entries after it are handed out again.
   *
   * @throws IllegalStateException if the stored state is inconsistent (commit beyond the log)
   */
  public RaftNode(RaftConfig cfg, LogStore storage, RandomGenerator random) {
    this.cfg = cfg;
    this.id = cfg.id();
    this.random = random;
    this.log = new RaftLog(storage);
    HardState hs = storage.hardState();
    if (hs.commit() > log.lastIndex()) {
      throw new IllegalStateException(
          "stored commit index "
              + hs.commit()
              + " is beyond the last log index "
              + log.lastIndex()
              + ": the log was truncated or lost");
    }
    this.term = hs.term();
    this.vote = hs.vote();
    log.commitTo(hs.commit());
    this.lastReadyHardState = hardState();
    setConf(storage.snapshotMeta().confState());
    becomeFollower(term, NONE);
  }

  /**
   * Writes the initial log of a founding member: one entry per voter, at term 1, committed. Every
   * founding member must be bootstrapped with the same voters; members added later start empty and
   * learn the history, these entries included, from the leader.
   */
  public static void bootstrap(LogStore storage, Collection<Long> voterIds) {
    java.util.TreeMap<Long, Bytes> contexts = new java.util.TreeMap<>();
    voterIds.forEach(id -> contexts.put(id, Bytes.EMPTY));
    bootstrap(storage, contexts);
  }

  /**
   * As above, each voter's change carrying its {@link ConfChange#context()} (what the application
   * records about a founding member), in ascending id order.
   */
  public static void bootstrap(LogStore storage, java.util.SortedMap<Long, Bytes> voterContexts) {
    Assert.that(storage.lastIndex() == 0 && storage.hardState().term() == 0, "store not empty");
    Assert.that(!voterContexts.isEmpty(), "no voters");
    List<Entry> entries = new ArrayList<>();
    for (Map.Entry<Long, Bytes> voter : voterContexts.entrySet()) {
      ConfChange cc =
          ConfChange.of(ConfChange.ChangeType.ADD_VOTER, voter.getKey(), voter.getValue());
      entries.add(new Entry(1, entries.size() + 1, EntryType.CONF_CHANGE, cc.encode()));
    }
    storage.append(entries);
    storage.setHardState(new HardState(1, NONE, entries.size()));
    storage.sync();
  }

  // ---------------------------------------------------------------- inputs

  /** Advances Raft time by one tick. */
  public void tick() {
    if (role == Role.LEADER) {
      tickLeader();
    } else {
      electionElapsed++;
      if (promotable() && electionElapsed >= randomizedElectionTicks) {
        electionElapsed = 0;
        hup(false);
      }
    }
  }

  /** Starts an election now (with a pre-vote round if configured), as if the timeout fired. */
  public void campaign() {
    hup(false);
  }

  /** Handles one message from the network. Never throws on bad input; see the class comment. */
  public void step(Envelope e) {
    if (e.groupId() != cfg.groupId() || e.to() != id || e.from() == id || e.from() <= 0) {
      ignoredMessages++;
      return;
    }
    if (e.term() > term) {
      if (!onHigherTerm(e)) {
        return;
      }
    } else if (e.term() < term) {
      onLowerTerm(e);
      return;
    }
    RaftMessage body = e.body();
    if (body instanceof VoteRequest v) {
      onVoteRequest(e, v);
    } else if (role == Role.LEADER) {
      if (!leader.step(e)) {
        ignoredMessages++;
      }
    } else if (role == Role.FOLLOWER) {
      stepFollower(e);
    } else {
      stepCandidate(e);
    }
  }

  /** Proposes an application command. See {@link ProposeResult} for what acceptance means. */
  public ProposeResult propose(Bytes data) {
    if (role != Role.LEADER) {
      return new ProposeResult.NotLeader(leaderId);
    }
    return leader.propose(data);
  }

  /** Proposes a membership change; at most one may be pending at a time. */
  public ProposeResult proposeConfChange(ConfChange change) {
    if (role != Role.LEADER) {
      return new ProposeResult.NotLeader(leaderId);
    }
    return leader.proposeConfChange(change, conf);
  }

  /**
   * Asks for a linearizable read (Raft thesis §6.4). On {@link ReadIndexResult#ACCEPTED} a {@link
   * ReadState} with {@code requestId} appears in a later {@link Ready}, unless leadership changes
   * first; the caller then serves the read once it has applied up to the state's index.
   */
  public ReadIndexResult readIndex(long requestId) {
    if (role == Role.LEADER) {
      return leader.addRead(id, requestId) ? ReadIndexResult.ACCEPTED : ReadIndexResult.BUSY;
    }
    if (leaderId == NONE) {
      return ReadIndexResult.NO_LEADER;
    }
    send(leaderId, new ReadIndexRequest(requestId));
    return ReadIndexResult.ACCEPTED;
  }

  /**
   * Hands leadership to voter {@code target} (thesis §3.10): proposals stop, the target is brought
   * up to date and told to start an election at once. Abandoned after an election timeout. Returns
   * whether a transfer is now under way.
   */
  public boolean transferLeadership(long target) {
    if (role != Role.LEADER
        || target == id
        || !voters.contains(target)
        || !leader.canTransferTo(target)) {
      return false;
    }
    if (leader.leadTransferee() != target) {
      // The election timeout that abandons the transfer (tickLeader) counts from now.
      electionElapsed = 0;
      leader.startTransfer(target);
    }
    return true;
  }

  // ---------------------------------------------------------------- outputs

  /** Whether {@link #ready()} has work to hand out. False while a Ready is outstanding. */
  public boolean hasReady() {
    if (outstanding != null) {
      return false;
    }
    return !outbox.isEmpty()
        || !readStates.isEmpty()
        || log.hasUnstable()
        || !hardState().equals(lastReadyHardState)
        || log.hasCommittedToApply()
        || (leader != null && leader.hasSendsDue());
  }

  /**
   * Collects the work for the loop; see {@link Ready} for what to do with it. Must be followed by
   * {@link #advance(Ready)} before the next call. Steps and ticks may come in between.
   */
  public Ready ready() {
    Assert.that(outstanding == null, "ready() called again before advance()");
    if (leader != null) {
      leader.flush();
    }
    List<Entry> committed = log.committedToApply(cfg.applyBytesMax());
    if (!committed.isEmpty()) {
      log.applyingTo(committed.get(committed.size() - 1).index());
    }
    HardState hs = hardState();
    Optional<HardState> changed =
        hs.equals(lastReadyHardState) ? Optional.empty() : Optional.of(hs);
    List<Entry> entries = log.unstableEntries();
    Snapshot snapshot = log.pendingSnapshot();
    // A membership change takes effect when applied, so the commit index that covers it must be
    // durable first: a node that forgot it applied a change would run on the old configuration,
    // and could wait forever for the vote of a member that was removed and shut down.
    boolean mustSync =
        !entries.isEmpty()
            || !snapshot.isEmpty()
            || lastReadyHardState.needsSyncTo(hs)
            || containsConfChange(committed);
    Ready rd = new Ready(changed, entries, snapshot, committed, outbox, readStates, mustSync);
    outbox.clear();
    readStates.clear();
    outstanding = rd;
    return rd;
  }

  private static boolean containsConfChange(List<Entry> entries) {
    for (Entry e : entries) {
      if (e.type() == EntryType.CONF_CHANGE) {
        return true;
      }
    }
    return false;
  }

  /** Acknowledges that the loop did everything {@code rd} asked. */
  public void advance(Ready rd) {
    Assert.that(rd == outstanding, "advance() with a Ready that is not outstanding");
    outstanding = null;
    rd.hardState().ifPresent(hs -> lastReadyHardState = hs);
    if (!rd.snapshot().isEmpty()) {
      log.stableSnapshotTo(rd.snapshot().index());
    }
    if (!rd.entries().isEmpty()) {
      Entry last = rd.entries().get(rd.entries().size() - 1);
      log.stableTo(last.index(), last.term());
    }
    if (leader != null) {
      leader.selfDurableTo(log.lastStableIndex());
    }
    for (Entry e : rd.committedEntries()) {
      if (leader != null) {
        leader.releaseUncommitted(e);
      }
      if (e.type() == EntryType.CONF_CHANGE) {
        applyConfChange(e);
      }
    }
    if (!rd.committedEntries().isEmpty()) {
      log.appliedTo(rd.committedEntries().get(rd.committedEntries().size() - 1).index());
    }
    maybeAutoLeaveJoint();
  }

  // ---------------------------------------------------------------- queries

  public long id() {
    return id;
  }

  public long term() {
    return term;
  }

  public Role role() {
    return role;
  }

  public long leaderId() {
    return leaderId;
  }

  public long commitIndex() {
    return log.committed;
  }

  public long appliedIndex() {
    return log.applied;
  }

  public long lastIndex() {
    return log.lastIndex();
  }

  /** The membership in force as of the applied index. */
  public ConfState confState() {
    return conf;
  }

  public HardState hardState() {
    return new HardState(term, vote, log.committed);
  }

  /**
   * The term of the entry at {@code index}, if this node still holds it (or its snapshot covers
   * it).
   */
  public OptionalLong termAt(long index) {
    long t = log.term(index);
    return t == RaftLog.NO_TERM ? OptionalLong.empty() : OptionalLong.of(t);
  }

  /** The entry at {@code index}, if this node holds it. */
  public Optional<Entry> entryAt(long index) {
    if (index < log.firstIndex() || index > log.lastIndex()) {
      return Optional.empty();
    }
    return Optional.of(log.slice(index, index + 1, Long.MAX_VALUE).get(0));
  }

  public Status status() {
    Map<Long, ProgressView> progress =
        leader == null ? new LinkedHashMap<>() : leader.progressViews();
    return new Status(
        id,
        term,
        vote,
        role,
        leaderId,
        log.committed,
        log.applied,
        log.firstIndex(),
        log.lastIndex(),
        conf,
        leader == null ? NONE : leader.leadTransferee(),
        progress,
        ignoredMessages);
  }

  @Override
  public String toString() {
    return "RaftNode(" + id + " " + role + " term=" + term + " lead=" + leaderId + " " + log + ")";
  }

  // ---------------------------------------------------------------- terms

  /**
   * A message from a higher term. Returns whether to go on handling it.
   *
   * <p>Thesis §4.2.3 and §9.6: a voter that heard from a leader within the minimum election timeout
   * ignores vote requests, so a partitioned or removed node cannot depose a healthy leader. A
   * leader transfer is exempt: the old leader asked for that election.
   */
  private boolean onHigherTerm(Envelope e) {
    RaftMessage body = e.body();
    if (body instanceof VoteRequest v) {
      boolean inLease =
          cfg.checkQuorum() && leaderId != NONE && electionElapsed < cfg.electionTicks();
      if (inLease && !v.transfer()) {
        ignoredMessages++;
        return false;
      }
      if (v.preVote()) {
        // A pre-vote never changes the voter's term.
        return true;
      }
    }
    if (body instanceof VoteResponse r && r.preVote() && r.granted()) {
      // Granted pre-votes carry the term the candidate will campaign in; counted by the candidate.
      return true;
    }
    boolean fromLeader =
        body instanceof AppendRequest
            || body instanceof HeartbeatRequest
            || body instanceof SnapshotChunk;
    becomeFollower(e.term(), fromLeader ? e.from() : NONE);
    return true;
  }

  /**
   * A message from a lower term is stale and ignored, with two answers that end stuck states: a
   * deposed leader is told the current term, and a pre-candidate learns that its pre-vote failed.
   */
  private void onLowerTerm(Envelope e) {
    RaftMessage body = e.body();
    if ((cfg.checkQuorum() || cfg.preVote())
        && (body instanceof AppendRequest || body instanceof HeartbeatRequest)) {
      send(e.from(), new AppendResponse(false, 0, 0, 0));
    } else if (body instanceof VoteRequest v && v.preVote()) {
      send(e.from(), voteResponse(true, false));
    } else {
      ignoredMessages++;
    }
  }

  // ---------------------------------------------------------------- elections

  private boolean promotable() {
    return voters.contains(id) && log.pendingSnapshot().isEmpty();
  }

  private void hup(boolean transfer) {
    if (role == Role.LEADER || !promotable()) {
      return;
    }
    // A committed membership change not yet applied could mean we are not a voter any more.
    if (log.hasUnappliedConfChange()) {
      return;
    }
    if (cfg.preVote() && !transfer) {
      campaign(true, false);
    } else {
      campaign(false, transfer);
    }
  }

  private void campaign(boolean preVote, boolean transfer) {
    long voteTerm;
    if (preVote) {
      becomePreCandidate();
      voteTerm = term + 1;
    } else {
      becomeCandidate();
      voteTerm = term;
    }
    if (poll(id, true) == VoteResult.WON) {
      // A single-voter group wins at once.
      if (preVote) {
        campaign(false, transfer);
      } else {
        becomeLeader();
      }
      return;
    }
    VoteRequest request = new VoteRequest(preVote, log.lastIndex(), log.lastTerm(), transfer);
    for (long voter : voters.ids()) {
      if (voter != id) {
        send(voter, voteTerm, request);
      }
    }
  }

  private VoteResult poll(long from, boolean granted) {
    candidate.votes.putIfAbsent(from, granted);
    return voters.voteResult(candidate.votes);
  }

  private void onVoteRequest(Envelope e, VoteRequest v) {
    boolean canVote =
        vote == e.from() // a repeated request
            || (vote == NONE && leaderId == NONE) // no vote cast and no leader known in this term
            || (v.preVote() && e.term() > term); // a pre-vote for a future term
    boolean upToDate =
        cfg.has(PlantedBug.VOTE_WITHOUT_LOG_CHECK) || log.isUpToDate(v.lastIndex(), v.lastTerm());
    if (canVote && upToDate) {
      // Raft §5.4.1: grant only to a candidate whose log is at least as up-to-date as ours. The
      // answer carries the candidate's term so it counts (for a real vote that is our term now).
      send(e.from(), e.term(), voteResponse(v.preVote(), true));
      if (!v.preVote()) {
        electionElapsed = 0;
        vote = e.from();
      }
    } else {
      send(e.from(), term, voteResponse(v.preVote(), false));
    }
  }

  private VoteResponse voteResponse(boolean preVote, boolean granted) {
    return new VoteResponse(preVote, granted, log.committed, log.term(log.committed));
  }

  /** Takes a voter's commit index as ours if we hold the same entry there (see VoteResponse). */
  private void learnCommit(VoteResponse r) {
    if (r.commitIndex() > log.committed
        && r.commitTerm() > 0
        && log.matchTerm(r.commitIndex(), r.commitTerm())) {
      log.commitTo(r.commitIndex());
    }
  }

  private void stepCandidate(Envelope e) {
    RaftMessage body = e.body();
    if (body instanceof AppendRequest
        || body instanceof HeartbeatRequest
        || body instanceof SnapshotChunk) {
      // Raft §5.2: a leader of our term exists; return to follower and handle its message.
      becomeFollower(term, e.from());
      stepFollower(e);
      return;
    }
    if (body instanceof VoteResponse r) {
      learnCommit(r);
    }
    if (body instanceof VoteResponse r && r.preVote() == candidate.preVote) {
      // A granted pre-vote carries term + 1; everything else the current term.
      long expectedTerm = r.preVote() && r.granted() ? term + 1 : term;
      if (e.term() != expectedTerm) {
        ignoredMessages++;
        return;
      }
      VoteResult result = poll(e.from(), r.granted());
      if (result == VoteResult.WON) {
        if (candidate.preVote) {
          campaign(false, false);
        } else {
          becomeLeader();
        }
      } else if (result == VoteResult.LOST) {
        becomeFollower(term, NONE);
      }
      return;
    }
    ignoredMessages++;
  }

  // ---------------------------------------------------------------- role changes

  private void becomeFollower(long newTerm, long newLeader) {
    resetTerm(newTerm);
    role = Role.FOLLOWER;
    leaderId = newLeader;
  }

  private void becomePreCandidate() {
    Assert.that(role != Role.LEADER, "leader cannot become pre-candidate");
    // Thesis §9.6: the pre-vote round leaves term and vote alone.
    leader = null;
    snapshotReceiver = null;
    candidate = new CandidateState(true);
    role = Role.PRE_CANDIDATE;
    leaderId = NONE;
    electionElapsed = 0;
    randomizeElectionTimeout();
  }

  private void becomeCandidate() {
    Assert.that(role != Role.LEADER, "leader cannot become candidate");
    resetTerm(term + 1);
    vote = id;
    candidate = new CandidateState(false);
    role = Role.CANDIDATE;
  }

  private void resetTerm(long newTerm) {
    if (newTerm != term) {
      Assert.that(newTerm > term, "term going back from %d to %d", term, newTerm);
      term = newTerm;
      vote = NONE;
    }
    leaderId = NONE;
    leader = null;
    candidate = null;
    snapshotReceiver = null;
    electionElapsed = 0;
    randomizeElectionTimeout();
  }

  private void randomizeElectionTimeout() {
    // Raft §5.2: randomized timeouts make split votes rare.
    randomizedElectionTicks = cfg.electionTicks() + random.nextInt(cfg.electionTicks());
  }

  private void becomeLeader() {
    Assert.that(role == Role.CANDIDATE, "only a candidate becomes leader");
    Assert.that(voters.contains(id), "node %d becoming leader outside its configuration", id);
    candidate = null;
    role = Role.LEADER;
    leaderId = id;
    // A full election timeout before the first check-quorum round, and the vote lease (which keeps
    // a healthy leader from being deposed by a disruptive candidate) holds from the start.
    electionElapsed = 0;
    leader = new LeaderState(cfg, term, log, conf, leaderHost);
    // Raft §5.4.2 and §8: commit an entry of the new term so earlier ones commit and reads can go.
    leader.append(EntryType.NORMAL, Bytes.EMPTY);
  }

  // ---------------------------------------------------------------- leader (see LeaderState)

  /**
   * The leader's election clock: check-quorum (thesis §6.2) and abandoning a transfer run once per
   * election timeout; heartbeats run on their own clock in the leader.
   */
  private void tickLeader() {
    electionElapsed++;
    if (electionElapsed >= cfg.electionTicks()) {
      electionElapsed = 0;
      if (cfg.checkQuorum() && !leader.checkQuorumActive()) {
        // Thesis §6.2: a leader that cannot reach a quorum steps down, so clients go elsewhere.
        becomeFollower(term, NONE);
        return;
      }
      leader.abandonTransfer();
    }
    leader.tickHeartbeat();
  }

  /** All the leader may use of this node; see {@link LeaderState.Host}. */
  private final class LeaderHost implements LeaderState.Host {
    @Override
    public JointConfig voters() {
      return voters;
    }

    @Override
    public void send(long to, RaftMessage body) {
      RaftNode.this.send(to, body);
    }

    @Override
    public void addReadState(ReadState state) {
      readStates.add(state);
    }
  }

  // ---------------------------------------------------------------- follower

  private void stepFollower(Envelope e) {
    RaftMessage body = e.body();
    if (body instanceof AppendRequest a) {
      heardFromLeader(e.from());
      onAppendRequest(e.from(), a);
    } else if (body instanceof HeartbeatRequest h) {
      heardFromLeader(e.from());
      onHeartbeatRequest(e.from(), h);
    } else if (body instanceof SnapshotChunk c) {
      heardFromLeader(e.from());
      onSnapshotChunk(e.from(), c);
    } else if (body instanceof TimeoutNow) {
      hup(true);
    } else if (body instanceof ReadIndexResponse r && e.from() == leaderId) {
      readStates.add(new ReadState(r.requestId(), r.index()));
    } else {
      ignoredMessages++;
    }
  }

  private void heardFromLeader(long from) {
    electionElapsed = 0;
    leaderId = from;
  }

  private void onAppendRequest(long from, AppendRequest a) {
    if (a.prevIndex() < log.committed) {
      // Everything up to the commit index is known to match; say so, and the leader moves on.
      send(from, AppendResponse.accept(log.committed));
      return;
    }
    if (!a.entriesAreContiguous()) {
      // Malformed input from the network is ignored, not asserted on.
      ignoredMessages++;
      return;
    }
    long lastNew = log.maybeAppend(a.prevIndex(), a.prevTerm(), a.commit(), a.entries());
    if (lastNew >= 0) {
      if (!a.quiet()) {
        send(from, AppendResponse.accept(lastNew));
      }
      return;
    }
    long[] hint = log.findConflictByTerm(Math.min(a.prevIndex(), log.lastIndex()), a.prevTerm());
    send(from, new AppendResponse(false, a.prevIndex(), hint[0], hint[1]));
  }

  private void onHeartbeatRequest(long from, HeartbeatRequest h) {
    // The leader sends at most what we are known to hold; anything more means a lost log, and
    // committing entries we may not share with the leader would be unsafe.
    if (h.commit() <= log.lastIndex()) {
      log.commitTo(h.commit());
    } else {
      ignoredMessages++;
    }
    send(from, new HeartbeatResponse(h.readRound()));
  }

  private void onSnapshotChunk(long from, SnapshotChunk c) {
    // The whole snapshot is assembled in memory: refuse one larger than configured, rather than
    // let a single message allocate gigabytes.
    if (c.totalBytes() < 0 || c.totalBytes() > cfg.snapshotBytesMax()) {
      ignoredMessages++;
      return;
    }
    if (c.meta().index() <= log.committed) {
      snapshotReceiver = null;
      send(from, AppendResponse.accept(log.committed));
      return;
    }
    if (c.offset() == 0 && (snapshotReceiver == null || !snapshotReceiver.isFor(c, term))) {
      snapshotReceiver = new SnapshotReceiver(c.meta(), c.totalBytes(), term);
    }
    if (snapshotReceiver == null || !snapshotReceiver.isFor(c, term)) {
      send(from, new SnapshotChunkResponse(c.meta().index(), 0));
      return;
    }
    long held = snapshotReceiver.accept(c);
    if (!snapshotReceiver.isComplete()) {
      send(from, new SnapshotChunkResponse(c.meta().index(), held));
      return;
    }
    Snapshot snapshot = snapshotReceiver.snapshot();
    snapshotReceiver = null;
    if (restore(snapshot)) {
      send(from, AppendResponse.accept(log.lastIndex()));
    } else {
      send(from, AppendResponse.accept(log.committed));
    }
  }

  /** Replaces the log by {@code snapshot} unless the log already covers it (Raft §7). */
  private boolean restore(Snapshot snapshot) {
    if (snapshot.index() <= log.committed) {
      return false;
    }
    if (log.matchTerm(snapshot.index(), snapshot.term())) {
      // Our log holds the snapshot's last entry: it is committed, so fast-forward and keep the
      // rest.
      log.commitTo(snapshot.index());
      return false;
    }
    log.restore(snapshot);
    setConf(snapshot.meta().confState());
    return true;
  }

  // ---------------------------------------------------------------- membership

  private void setConf(ConfState next) {
    conf = next;
    voters =
        new JointConfig(MajorityConfig.of(next.voters()), MajorityConfig.of(next.votersOutgoing()));
  }

  private void applyConfChange(Entry e) {
    ConfState next;
    try {
      next = MembershipChanger.apply(conf, ConfChange.decode(e.data()));
    } catch (IllegalArgumentException invalid) {
      // Every replica skips the same invalid change: the decision depends only on the log.
      ignoredMessages++;
      return;
    }
    setConf(next);
    if (candidate != null && !voters.contains(id)) {
      // No longer a voter: a campaign under way must not make us leader.
      becomeFollower(term, NONE);
    }
    if (leader == null) {
      return;
    }
    leader.trackMembers(next);
    if (!voters.contains(id) && cfg.stepDownOnRemoval()) {
      // A leader removed from the voters hands over (see LeaderState.handOver) and steps down.
      leader.handOver();
      becomeFollower(term, NONE);
      return;
    }
    leader.onConfChangeApplied();
  }

  /** The leader leaves an auto-leave joint configuration once entering it has applied. */
  private void maybeAutoLeaveJoint() {
    if (leader != null) {
      leader.maybeAutoLeaveJoint(conf);
    }
  }

  // ---------------------------------------------------------------- sending

  private void send(long to, RaftMessage body) {
    send(to, term, body);
  }

  private void send(long to, long msgTerm, RaftMessage body) {
    outbox.add(new Envelope(cfg.groupId(), id, to, msgTerm, body));
  }
}
