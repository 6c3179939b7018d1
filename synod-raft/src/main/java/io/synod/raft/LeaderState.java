package io.synod.raft;

import static io.synod.raft.RaftNode.NONE;

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
import io.synod.raft.quorum.JointConfig;
import io.synod.raft.quorum.VoteResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything only a leader keeps and does: replication with flow control, commitment, ReadIndex
 * rounds, snapshot transfers and leader transfer. It exists exactly while the node leads, in one
 * term, and is dropped when the node steps down, so no field is ever "valid only if leader".
 *
 * <p>The {@link RaftNode} keeps the role transitions, the election clock and the membership in
 * force: it tells its leader what happened (a message, a tick, a durable index, an applied
 * membership change), decides itself when the leader steps down, and lends it a {@link Host} to
 * send messages, read the voters and hand out reads. Not thread-safe: owned by its node.
 */
final class LeaderState {
  /** What a leader needs from the node it runs in; {@link RaftNode} lends it one. */
  interface Host {
    /** The voters in force; they change when a membership change applies. */
    JointConfig voters();

    /** Queues {@code body} for {@code to}, in the current term. */
    void send(long to, RaftMessage body);

    /** Hands one of this node's own reads, now confirmed, to the application. */
    void addReadState(ReadState state);
  }

  private final RaftConfig cfg;
  private final long id;

  /** The term of this leadership; a new term means a new LeaderState. */
  private final long term;

  private final RaftLog log;
  private final Host host;

  /** Every member's progress, this node's own included, in id order. */
  private final TreeMap<Long, Progress> progress = new TreeMap<>();

  private final ReadIndexQueue reads = new ReadIndexQueue();

  /** The voter leadership is being handed to, or 0. */
  private long leadTransferee;

  /** The index of the last membership change appended; no new one is accepted until it applies. */
  private long pendingConfIndex;

  /** Entry bytes appended by this leader and not yet handed out for applying. */
  private long uncommittedBytes;

  private int heartbeatElapsed;

  /** New entries or a new commit index wait to be sent; appends go out when the Ready is built. */
  private boolean sendPending;

  /** Starts leading in {@code term} with a progress for every member of {@code conf}. */
  LeaderState(RaftConfig cfg, long term, RaftLog log, ConfState conf, Host host) {
    this.cfg = cfg;
    this.id = cfg.id();
    this.term = term;
    this.log = log;
    this.host = host;
    for (long member : conf.members()) {
      progress.put(member, newProgress(member));
    }
    Progress self = progress.get(id);
    self.maybeUpdate(log.lastStableIndex());
    self.becomeReplicate();
    // Any membership change in the log may still be pending: accept no new one until all apply.
    pendingConfIndex = log.lastIndex();
  }

  private Progress newProgress(long member) {
    Progress pr =
        new Progress(
            log.lastIndex() + 1,
            cfg.inflightAppendsMax(),
            cfg.inflightBytesMax(),
            !host.voters().contains(member));
    // A new member counts as active, so check-quorum does not depose the leader at once.
    pr.recentActive = true;
    return pr;
  }

  // ---------------------------------------------------------------- requests

  /** Proposes an application command; see {@link RaftNode#propose}. */
  ProposeResult propose(Bytes data) {
    ProposeResult refusal = checkProposable();
    if (refusal != null) {
      return refusal;
    }
    if (uncommittedBytes > 0
        && uncommittedBytes + data.size() + Entry.OVERHEAD_BYTES > cfg.uncommittedBytesMax()) {
      return new ProposeResult.Rejected(ProposeResult.Reason.BUSY, "too many uncommitted bytes");
    }
    Entry e = append(EntryType.NORMAL, data);
    return new ProposeResult.Accepted(e.index(), e.term());
  }

  /** Proposes a change to {@code conf}, the membership in force; at most one may be pending. */
  ProposeResult proposeConfChange(ConfChange change, ConfState conf) {
    ProposeResult refusal = checkProposable();
    if (refusal != null) {
      return refusal;
    }
    if (pendingConfIndex > log.applied) {
      return new ProposeResult.Rejected(
          ProposeResult.Reason.CONF_CHANGE_PENDING,
          "membership change at index " + pendingConfIndex + " is not applied yet");
    }
    try {
      MembershipChanger.apply(conf, change);
    } catch (IllegalArgumentException invalid) {
      return new ProposeResult.Rejected(
          ProposeResult.Reason.INVALID_CONF_CHANGE, invalid.getMessage());
    }
    Entry e = append(EntryType.CONF_CHANGE, change.encode());
    pendingConfIndex = e.index();
    return new ProposeResult.Accepted(e.index(), e.term());
  }

  private ProposeResult checkProposable() {
    if (leadTransferee != NONE) {
      return new ProposeResult.Rejected(
          ProposeResult.Reason.LEADER_TRANSFER, "leadership is moving to " + leadTransferee);
    }
    if (!progress.containsKey(id)) {
      return new ProposeResult.Rejected(ProposeResult.Reason.REMOVED, "leader was removed");
    }
    return null;
  }

  /** Appends an entry of this term to the log; it goes out with the next Ready. */
  Entry append(EntryType type, Bytes data) {
    Entry e = new Entry(term, log.lastIndex() + 1, type, data);
    log.append(List.of(e));
    uncommittedBytes += e.sizeBytes();
    sendPending = true;
    if (cfg.has(PlantedBug.ACK_BEFORE_SYNC)) {
      Progress self = progress.get(id);
      if (self != null && self.maybeUpdate(e.index())) {
        maybeCommit();
      }
    }
    return e;
  }

  /**
   * Queues a linearizable read (thesis §6.4) from {@code from}, this node or a follower that
   * forwarded it. Returns false if too many reads are pending.
   */
  boolean addRead(long from, long requestId) {
    if (reads.size() >= cfg.pendingReadsMax()) {
      return false;
    }
    reads.add(from, requestId, committedInCurrentTerm(), log.committed);
    return true;
  }

  private boolean committedInCurrentTerm() {
    return log.term(log.committed) == term;
  }

  // ---------------------------------------------------------------- leader transfer

  /** The voter leadership is being handed to, or {@link RaftNode#NONE}. */
  long leadTransferee() {
    return leadTransferee;
  }

  /** Whether {@code target} is a member this leader tracks as a voter. */
  boolean canTransferTo(long target) {
    Progress pr = progress.get(target);
    return pr != null && !pr.learner;
  }

  /**
   * Hands leadership to {@code target} (thesis §3.10): proposals stop, the target is brought up to
   * date and told to start an election at once. The node abandons the transfer after an election
   * timeout.
   */
  void startTransfer(long target) {
    Progress pr = progress.get(target);
    leadTransferee = target;
    if (pr.match == log.lastIndex()) {
      host.send(target, new TimeoutNow());
    } else {
      // Catch the target up now. Sent even if empty: in replicate state the leader may believe
      // the missing entries are on their way when they were lost, and only a probe finds out
      // before the next heartbeat answer would.
      maybeSendAppends(target, pr, true);
    }
  }

  void abandonTransfer() {
    leadTransferee = NONE;
  }

  // ---------------------------------------------------------------- time

  /**
   * Thesis §6.2: whether a quorum was heard from since the last check; starts the next check.
   * Called once per election timeout.
   */
  boolean checkQuorumActive() {
    Map<Long, Boolean> active = new TreeMap<>();
    progress.forEach((peer, pr) -> active.put(peer, peer == id || pr.recentActive));
    progress.forEach((peer, pr) -> pr.recentActive = peer == id);
    return host.voters().voteResult(active) == VoteResult.WON;
  }

  /** Counts a tick; heartbeats (with the read round to confirm) and snapshot resends are due. */
  void tickHeartbeat() {
    heartbeatElapsed++;
    if (heartbeatElapsed >= cfg.heartbeatTicks()) {
      heartbeatElapsed = 0;
      broadcastHeartbeat(reads.roundToConfirm());
      resendSnapshots();
    }
  }

  // ---------------------------------------------------------------- messages

  /** Handles a message of this term from a member; returns false if it was ignored. */
  boolean step(Envelope e) {
    Progress pr = progress.get(e.from());
    RaftMessage body = e.body();
    if (pr == null) {
      return false;
    }
    if (body instanceof AppendResponse r) {
      pr.recentActive = true;
      onAppendResponse(e.from(), pr, r);
    } else if (body instanceof HeartbeatResponse r) {
      pr.recentActive = true;
      onHeartbeatResponse(e.from(), pr, r);
    } else if (body instanceof SnapshotChunkResponse r) {
      pr.recentActive = true;
      if (pr.state == ProgressState.SNAPSHOT && r.snapshotIndex() == pr.snapshot.meta().index()) {
        pr.snapshot.onAck(r.nextOffset());
        sendSnapshotChunks(e.from(), pr);
      }
    } else if (body instanceof ReadIndexRequest r) {
      return addRead(e.from(), r.requestId());
    } else {
      return false;
    }
    return true;
  }

  private void onAppendResponse(long from, Progress pr, AppendResponse r) {
    if (!r.success()) {
      // Raft §5.3 with the thesis' optimisation: jump over a whole conflicting term at once.
      long nextProbe = r.hintIndex();
      if (r.hintTerm() > 0) {
        nextProbe = log.findConflictByTerm(r.hintIndex(), r.hintTerm())[0];
      }
      if (pr.maybeDecreaseTo(r.index(), nextProbe)) {
        if (pr.state == ProgressState.REPLICATE) {
          pr.becomeProbe();
        }
        sendPending = true;
      }
      return;
    }
    boolean wasPaused = pr.isPaused();
    boolean updated = pr.maybeUpdate(r.index());
    if (pr.state == ProgressState.SNAPSHOT && pr.match >= pr.snapshot.meta().index()) {
      // The member holds this transfer's snapshot (perhaps from an earlier copy of it). Go back to
      // appending; if the leader compacted past it meanwhile, the next append starts a new snapshot
      // rather than resending this one forever.
      pr.becomeProbe();
      if (pr.match + 1 >= log.firstIndex()) {
        pr.becomeReplicate();
      }
      sendPending = true;
    }
    if (!updated) {
      return;
    }
    switch (pr.state) {
      case PROBE -> pr.becomeReplicate();
      case SNAPSHOT -> {
        if (pr.match + 1 >= log.firstIndex()) {
          // Caught up from the log while a snapshot was on its way: no need for it any more.
          pr.becomeProbe();
          pr.becomeReplicate();
        }
      }
      case REPLICATE -> pr.inflights.freeLessOrEqual(r.index());
    }
    if (maybeCommit() || wasPaused || pr.next <= log.lastIndex()) {
      sendPending = true;
    }
    if (from == leadTransferee && pr.match == log.lastIndex()) {
      // Thesis §3.10: the transferee is up to date; let it start its election now.
      host.send(from, new TimeoutNow());
    }
  }

  private void onHeartbeatResponse(long from, Progress pr, HeartbeatResponse r) {
    pr.probeSent = false;
    if (pr.state == ProgressState.REPLICATE && pr.inflights.isFull()) {
      // Appends may have been lost; free one slot so one more goes out and finds out.
      pr.inflights.freeFirst();
    }
    if (pr.match < log.lastIndex()) {
      // The member is behind and may have lost appends: probe it even if nothing new is left to
      // send; a rejection brings it back to PROBE and the gap is resent.
      maybeSendAppends(from, pr, true);
    } else if (pr.sentCommit < log.committed) {
      sendPending = true;
    }
    if (r.readRound() > pr.readRoundAcked) {
      pr.readRoundAcked = r.readRound();
      releaseConfirmedReads();
    }
  }

  // ---------------------------------------------------------------- commitment

  /**
   * This node's log is durable up to {@code index}. The leader counts its own copy only once it is
   * durable, like any other replica's.
   */
  void selfDurableTo(long index) {
    Progress self = progress.get(id);
    if (self != null && self.maybeUpdate(index)) {
      maybeCommit();
    }
  }

  /** The loop applied {@code e}: it no longer counts toward the uncommitted bytes limit. */
  void releaseUncommitted(Entry e) {
    uncommittedBytes = Math.max(0, uncommittedBytes - e.sizeBytes());
  }

  /**
   * Raft §5.4.2: the commit index moves to the highest index a quorum holds, but only if that entry
   * is from the current term; earlier entries then commit with it. Returns whether it moved.
   */
  private boolean maybeCommit() {
    long quorumIndex =
        host.voters()
            .committedIndex(
                peer -> {
                  Progress pr = progress.get(peer);
                  return pr == null ? 0 : pr.match;
                });
    if (quorumIndex == Long.MAX_VALUE || quorumIndex <= log.committed) {
      return false;
    }
    if (log.term(quorumIndex) != term && !cfg.has(PlantedBug.COMMIT_OLD_TERM_BY_COUNTING)) {
      return false;
    }
    log.commitTo(quorumIndex);
    sendPending = true;
    if (committedInCurrentTerm()) {
      reads.onCommittedInTerm(log.committed);
    }
    return true;
  }

  // ---------------------------------------------------------------- sending

  /** Whether {@link #flush()} has something to send. */
  boolean hasSendsDue() {
    return sendPending || reads.hasUnconfirmed();
  }

  /** Sends what is due: appends to every member that can take them, and a read round. */
  void flush() {
    if (reads.hasUnconfirmed()) {
      if (cfg.has(PlantedBug.READ_INDEX_WITHOUT_QUORUM)) {
        releaseReads(reads.releaseUnconfirmed());
      } else {
        long round = reads.startRound();
        broadcastHeartbeat(round);
        releaseConfirmedReads();
      }
    }
    if (sendPending) {
      sendPending = false;
      for (Map.Entry<Long, Progress> p : progress.entrySet()) {
        if (p.getKey() != id) {
          maybeSendAppends(p.getKey(), p.getValue(), false);
        }
      }
    }
  }

  /**
   * Sends appends to {@code to} until the window is full or nothing is left to send; with {@code
   * probe}, sends an empty append even when there is nothing new.
   */
  private void maybeSendAppends(long to, Progress pr, boolean probe) {
    boolean sendEmpty = probe;
    while (!pr.isPaused()) {
      long prevIndex = pr.next - 1;
      long prevTerm = log.term(prevIndex);
      if (prevTerm == RaftLog.NO_TERM || pr.next < log.firstIndex()) {
        startSnapshot(to, pr);
        return;
      }
      List<Entry> entries =
          pr.next <= log.lastIndex() ? log.entriesFrom(pr.next, cfg.appendBytesMax()) : List.of();
      if (entries.isEmpty() && pr.sentCommit >= log.committed && !sendEmpty) {
        return;
      }
      // Only the commit index is new: a follower in steady replication need not answer (see
      // AppendRequest). A probe, or an append in PROBE state (which waits for its answer), must be.
      boolean quiet = entries.isEmpty() && !sendEmpty && pr.state == ProgressState.REPLICATE;
      sendEmpty = false;
      host.send(to, new AppendRequest(prevIndex, prevTerm, entries, log.committed, quiet));
      pr.sentCommit = log.committed;
      long bytes = 0;
      for (Entry e : entries) {
        bytes += e.sizeBytes();
      }
      long lastSent = entries.isEmpty() ? prevIndex : entries.get(entries.size() - 1).index();
      pr.sentEntries(lastSent, bytes, entries.size());
      if (entries.isEmpty()) {
        return;
      }
    }
  }

  private void startSnapshot(long to, Progress pr) {
    if (!pr.recentActive) {
      // Do not ship a snapshot to a member we have not heard from lately.
      return;
    }
    Snapshot snapshot = log.storedSnapshot();
    Assert.that(!snapshot.isEmpty(), "entries compacted without a snapshot");
    int resendTicks = Math.max(2, cfg.electionTicks() / cfg.heartbeatTicks() / 2);
    pr.becomeSnapshot(
        new SnapshotSender(
            snapshot, cfg.snapshotChunkBytes(), cfg.snapshotWindowChunks(), resendTicks));
    sendSnapshotChunks(to, pr);
  }

  private void sendSnapshotChunks(long to, Progress pr) {
    for (SnapshotChunk chunk : pr.snapshot.nextChunks()) {
      host.send(to, chunk);
    }
  }

  private void resendSnapshots() {
    progress.forEach(
        (peer, pr) -> {
          if (pr.state == ProgressState.SNAPSHOT && pr.snapshot.onHeartbeatTick()) {
            sendSnapshotChunks(peer, pr);
          }
        });
  }

  private void broadcastHeartbeat(long readRound) {
    progress.forEach(
        (peer, pr) -> {
          if (peer != id) {
            // Never claim a commit index beyond what the follower is known to hold.
            long commit = Math.min(pr.match, log.committed);
            host.send(peer, new HeartbeatRequest(commit, readRound));
          }
        });
  }

  private void releaseConfirmedReads() {
    Progress self = progress.get(id);
    long selfRound = reads.lastRound();
    long confirmed =
        host.voters()
            .committedIndex(
                peer -> {
                  if (peer == id) {
                    return self == null ? 0 : selfRound;
                  }
                  Progress pr = progress.get(peer);
                  return pr == null ? 0 : pr.readRoundAcked;
                });
    releaseReads(reads.release(confirmed));
  }

  private void releaseReads(List<ReadIndexQueue.PendingRead> released) {
    for (ReadIndexQueue.PendingRead r : released) {
      if (r.from() == id) {
        host.addReadState(new ReadState(r.requestId(), r.index()));
      } else {
        host.send(r.from(), new ReadIndexResponse(r.requestId(), r.index()));
      }
    }
  }

  // ---------------------------------------------------------------- membership

  /**
   * A membership change applied and {@code next} is in force: every member gets a progress (a new
   * one counts as active), members that left lose theirs, and learner flags follow the voters.
   */
  void trackMembers(ConfState next) {
    progress.keySet().removeIf(member -> !next.contains(member));
    for (long member : next.members()) {
      Progress pr = progress.get(member);
      if (pr == null) {
        progress.put(member, newProgress(member));
      } else {
        pr.learner = !host.voters().contains(member);
      }
    }
  }

  /**
   * After {@link #trackMembers}, unless the leader steps down: a transferee that is no longer a
   * voter is forgotten, and the new quorum may commit more.
   */
  void onConfChangeApplied() {
    if (leadTransferee != NONE && !host.voters().contains(leadTransferee)) {
      leadTransferee = NONE;
    }
    maybeCommit();
    sendPending = true;
  }

  /**
   * A leader removed from the voters steps down. Before the node makes it a follower, it tells
   * every member the commit index (the remaining voters may not know yet that its removal
   * committed, and without it could wait for its vote forever) and wakes the most up-to-date voter
   * to take over at once.
   */
  void handOver() {
    for (Map.Entry<Long, Progress> p : progress.entrySet()) {
      if (p.getKey() != id) {
        maybeSendAppends(p.getKey(), p.getValue(), true);
      }
    }
    long best = NONE;
    long bestMatch = -1;
    for (Map.Entry<Long, Progress> p : progress.entrySet()) {
      long peer = p.getKey();
      if (peer != id && host.voters().contains(peer) && p.getValue().match > bestMatch) {
        best = peer;
        bestMatch = p.getValue().match;
      }
    }
    if (best != NONE && bestMatch == log.lastIndex()) {
      host.send(best, new TimeoutNow());
    }
  }

  /**
   * If {@code conf}, the membership in force, is an auto-leave joint configuration: proposes
   * leaving it once entering it has applied and no transfer is under way.
   */
  void maybeAutoLeaveJoint(ConfState conf) {
    if (!conf.isJoint() || !conf.autoLeave()) {
      return;
    }
    if (pendingConfIndex > log.applied || leadTransferee != NONE) {
      return;
    }
    Entry e = append(EntryType.CONF_CHANGE, ConfChange.leaveJoint().encode());
    pendingConfIndex = e.index();
  }

  // ---------------------------------------------------------------- status

  /** Every member's progress, in id order. */
  Map<Long, ProgressView> progressViews() {
    Map<Long, ProgressView> views = new LinkedHashMap<>();
    progress.forEach(
        (peer, pr) ->
            views.put(
                peer, new ProgressView(pr.match, pr.next, pr.state, pr.learner, pr.recentActive)));
    return views;
  }
}
