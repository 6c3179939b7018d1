package io.synod.raft.interaction;

import io.synod.common.Bytes;
import io.synod.raft.ConfChange;
import io.synod.raft.ConfState;
import io.synod.raft.Entry;
import io.synod.raft.EntryType;
import io.synod.raft.Envelope;
import io.synod.raft.HardState;
import io.synod.raft.MemoryLogStore;
import io.synod.raft.PlantedBug;
import io.synod.raft.ProgressView;
import io.synod.raft.ProposeResult;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftNode;
import io.synod.raft.ReadState;
import io.synod.raft.Ready;
import io.synod.raft.Role;
import io.synod.raft.Status;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongFunction;

/**
 * Drives a cluster of {@link RaftNode}s, one command at a time, and prints what happens: the engine
 * behind the interaction scripts in {@code src/test/resources/interaction} (see the README there
 * for every command). Modelled on etcd-io/raft's {@code rafttest.InteractionEnv}.
 *
 * <p>Each node runs over a {@link MemoryLogStore} with its own seeded randomness, and its {@link
 * Ready} is handled exactly as a replica loop must: persist snapshot, entries and hard state, sync,
 * send the messages (into the recipients' inboxes), apply committed entries, advance. Nothing moves
 * unless a command says so: messages wait in inboxes until delivered, time stands still until
 * ticked. After every step the {@link SafetyChecker} looks for two leaders in a term or a committed
 * entry that changed.
 *
 * <p>Not thread-safe; one test owns one environment.
 */
final class InteractionEnv {
  static final long GROUP_ID = 1;
  private static final int STABILIZE_ROUNDS_MAX = 1_000;

  private final Set<PlantedBug> forcedBugs;
  private final TreeMap<Long, ScriptedReplica> replicas = new TreeMap<>();
  private final SafetyChecker safety = new SafetyChecker();

  /** Groups that cannot talk to each other; empty when the network is whole. */
  private final List<Set<Long>> partition = new ArrayList<>();

  private StringBuilder out;

  InteractionEnv() {
    this(Set.of());
  }

  /** An environment whose nodes all run with {@code forcedBugs}, to prove a script can fail. */
  InteractionEnv(Set<PlantedBug> forcedBugs) {
    this.forcedBugs = Set.copyOf(forcedBugs);
  }

  /** Runs one command line and returns its output: at least one line, no blank lines. */
  String handle(String line) {
    ScriptCommand c = ScriptCommand.parse(line);
    out = new StringBuilder();
    switch (c.name()) {
      case "add-nodes" -> addNodes(c);
      case "set-log" -> setLog(c);
      case "campaign" -> campaign(c);
      case "propose" -> propose(c);
      case "propose-conf-change" -> proposeConfChange(c);
      case "transfer-leadership" -> transferLeadership(c);
      case "read-index" -> readIndex(c);
      case "tick-heartbeat" -> tickHeartbeat(c);
      case "tick-election" -> tickElection(c);
      case "process-ready" -> processReady(c);
      case "deliver-msgs" -> deliverMsgs(c, false);
      case "drop-msgs" -> deliverMsgs(c, true);
      case "stabilize" -> stabilize(c);
      case "partition" -> partition(c);
      case "isolate" -> isolate(c);
      case "heal" -> heal();
      case "crash" -> crash(c);
      case "compact" -> compact(c);
      case "status" -> status(c);
      case "raft-log" -> raftLog(c);
      case "raft-state" -> raftState();
      default -> throw new ScriptException("unknown command " + c.name());
    }
    c.checkAllUsed();
    check();
    String result = out.toString().stripTrailing();
    return result.isEmpty() ? "ok" : result;
  }

  private void line(String s) {
    out.append(s).append('\n');
  }

  private ScriptedReplica replica(long id) {
    ScriptedReplica r = replicas.get(id);
    if (r == null) {
      throw new ScriptException("no node " + id);
    }
    return r;
  }

  private void check() {
    safety.check(replicas.values());
  }

  // ------------------------------------------------------------------ setup

  private void addNodes(ScriptCommand c) {
    int count = Integer.parseInt(c.nextPositional("node count"));
    List<Long> voters = c.ids("voters");
    List<Long> learners = c.ids("learners");
    String bootstrap = c.string("bootstrap", "log");
    long seed = c.longArg("seed", 0);
    LongFunction<RaftConfig> configs = configs(c);
    for (int k = 0; k < count; k++) {
      long id = replicas.isEmpty() ? 1 : replicas.lastKey() + 1;
      MemoryLogStore store;
      boolean founding = voters.contains(id) || learners.contains(id);
      if (!founding) {
        store = new MemoryLogStore();
      } else if (bootstrap.equals("snapshot")) {
        store = MemoryLogStore.bootstrapped(ConfState.of(voters, learners));
      } else if (bootstrap.equals("log")) {
        store = bootstrappedLog(voters, learners);
      } else {
        throw new ScriptException("bootstrap=" + bootstrap + " is neither log nor snapshot");
      }
      RaftConfig cfg = configs.apply(id);
      ScriptedReplica r = new ScriptedReplica(cfg, store, seed + id);
      replicas.put(id, r);
      // The bootstrap entries are committed: apply them now, as a starting replica loop would.
      while (r.node.hasReady()) {
        Ready rd = r.node.ready();
        if (!rd.messages().isEmpty() || !rd.entries().isEmpty()) {
          throw new AssertionError("a starting node has something to send or persist: " + rd);
        }
        rd.hardState().ifPresent(r.store::setHardState);
        rd.committedEntries().forEach(r.stateMachine::apply);
        r.node.advance(rd);
      }
      line(stateLine(r) + (founding ? " " + r.node.confState() : ", empty store"));
    }
  }

  /** The {@code add-nodes} options, as a configuration for each new node id. */
  private LongFunction<RaftConfig> configs(ScriptCommand c) {
    int electionTicks = c.intArg("election", 6);
    int heartbeatTicks = c.intArg("heartbeat", 2);
    boolean preVote = c.bool("prevote", true);
    boolean checkQuorum = c.bool("checkquorum", true);
    int inflight = c.intArg("inflight", 256);
    long inflightBytes = c.longArg("inflight-bytes", 32L << 20);
    long msgBytes = c.longArg("max-msg-bytes", 1 << 20);
    long uncommittedBytes = c.longArg("max-uncommitted-bytes", 64L << 20);
    int chunkBytes = c.intArg("chunk", 1 << 20);
    int chunkWindow = c.intArg("chunk-window", 4);
    boolean stepDown = c.bool("stepdown", true);
    return id ->
        RaftConfig.builder(GROUP_ID, id)
            .ticks(electionTicks, heartbeatTicks)
            .preVote(preVote)
            .checkQuorum(checkQuorum)
            .inflight(inflight, inflightBytes)
            .appendBytesMax(msgBytes)
            .uncommittedBytesMax(uncommittedBytes)
            .snapshotChunks(chunkBytes, chunkWindow)
            .stepDownOnRemoval(stepDown)
            .plantedBugs(forcedBugs)
            .build();
  }

  /** {@link RaftNode#bootstrap}, plus one committed entry per founding learner. */
  private static MemoryLogStore bootstrappedLog(List<Long> voters, List<Long> learners) {
    MemoryLogStore store = new MemoryLogStore();
    RaftNode.bootstrap(store, voters);
    List<Entry> extra = new ArrayList<>();
    long index = store.lastIndex();
    for (long learner : new TreeSet<>(learners)) {
      ConfChange cc = ConfChange.of(ConfChange.ChangeType.ADD_LEARNER, learner);
      extra.add(new Entry(1, ++index, EntryType.CONF_CHANGE, cc.encode()));
    }
    store.append(extra);
    store.setHardState(new HardState(1, RaftNode.NONE, index));
    return store;
  }

  /**
   * Replaces a node's log by entries of the given terms (empty data), as if it had lived through an
   * earlier history, and restarts it. Used for the Raft paper's figures; the node must have been
   * bootstrapped with {@code bootstrap=snapshot}, so its membership is not in its log.
   */
  private void setLog(ScriptCommand c) {
    ScriptedReplica r = replica(c.nextId());
    List<Long> terms = c.ids("terms");
    ConfState conf = r.store.snapshotMeta().confState();
    if (r.store.snapshotMeta().index() != 0 || conf.voters().isEmpty()) {
      throw new ScriptException("set-log needs a node bootstrapped with bootstrap=snapshot");
    }
    MemoryLogStore store = MemoryLogStore.bootstrapped(conf);
    List<Entry> entries = new ArrayList<>();
    long lastTerm = 0;
    for (long t : terms) {
      if (t < lastTerm) {
        throw new ScriptException("terms must not decrease: " + terms);
      }
      lastTerm = t;
      entries.add(Entry.normal(t, entries.size() + 1, Bytes.EMPTY));
    }
    store.append(entries);
    long term = c.longArg("term", lastTerm);
    store.setHardState(new HardState(term, c.longArg("vote", 0), c.longArg("commit", 0)));
    r.store = store;
    r.inbox.clear();
    r.start();
    line(stateLine(r) + " log=" + terms.toString().replace(",", ""));
  }

  // ------------------------------------------------------------------ requests

  private void campaign(ScriptCommand c) {
    ScriptedReplica r = replica(c.nextId());
    ScriptedReplica.View before = r.view();
    r.node.campaign();
    reportChange(r, before, "");
  }

  private void propose(ScriptCommand c) {
    ScriptedReplica r = replica(c.nextId());
    String data = c.nextPositional("data");
    ScriptedReplica.View before = r.view();
    line(proposeResult(r.node.propose(Bytes.utf8(data))));
    reportChange(r, before, "");
  }

  private void proposeConfChange(ScriptCommand c) {
    ScriptedReplica r = replica(c.nextId());
    List<ConfChange.Change> changes = new ArrayList<>();
    for (String s : c.remainingPositional()) {
      ConfChange.ChangeType type =
          switch (s.charAt(0)) {
            case 'v' -> ConfChange.ChangeType.ADD_VOTER;
            case 'l' -> ConfChange.ChangeType.ADD_LEARNER;
            case 'r' -> ConfChange.ChangeType.REMOVE;
            default -> throw new ScriptException("change " + s + " is not v<id>, l<id> or r<id>");
          };
      changes.add(new ConfChange.Change(type, Long.parseLong(s.substring(1))));
    }
    ConfChange.Transition transition =
        switch (c.string("transition", "auto")) {
          case "auto" -> ConfChange.Transition.AUTO;
          case "implicit" -> ConfChange.Transition.JOINT_IMPLICIT;
          case "explicit" -> ConfChange.Transition.JOINT_EXPLICIT;
          default -> throw new ScriptException("transition must be auto, implicit or explicit");
        };
    ScriptedReplica.View before = r.view();
    line(proposeResult(r.node.proposeConfChange(new ConfChange(transition, changes))));
    reportChange(r, before, "");
  }

  private static String proposeResult(ProposeResult result) {
    if (result instanceof ProposeResult.Accepted a) {
      return "accepted at " + a.term() + "/" + a.index();
    } else if (result instanceof ProposeResult.NotLeader n) {
      return "not leader (leader hint " + n.leaderHint() + ")";
    }
    ProposeResult.Rejected r = (ProposeResult.Rejected) result;
    return "rejected " + r.reason() + ": " + r.detail();
  }

  private void transferLeadership(ScriptCommand c) {
    ScriptedReplica from = replica(c.requiredLong("from"));
    long to = c.requiredLong("to");
    ScriptedReplica.View before = from.view();
    boolean started = from.node.transferLeadership(to);
    line(started ? "transfer to " + to + " under way" : "transfer to " + to + " refused");
    reportChange(from, before, "");
  }

  private void readIndex(ScriptCommand c) {
    ScriptedReplica r = replica(c.nextId());
    long requestId = Long.parseLong(c.nextPositional("request id"));
    line("read " + requestId + ": " + r.node.readIndex(requestId));
  }

  // ------------------------------------------------------------------ time

  private void tickHeartbeat(ScriptCommand c) {
    ScriptedReplica r = replica(c.nextId());
    ScriptedReplica.View before = r.view();
    for (int i = 0; i < r.cfg.heartbeatTicks(); i++) {
      r.node.tick();
    }
    reportChange(r, before, "");
  }

  /**
   * A leader is ticked for one election timeout (check-quorum and transfer deadlines are checked
   * once). Other nodes are ticked until their randomized election timer fires, which is when they
   * draw a new timeout; a node that cannot campaign gives up after twice the timeout. Given several
   * nodes (no leaders), ticks them in lockstep until the first timer fires: the race that
   * randomized timeouts are for (Raft §5.2).
   */
  private void tickElection(ScriptCommand c) {
    List<Long> ids = c.remainingIds();
    if (ids.isEmpty()) {
      throw new ScriptException("tick-election needs a node id");
    }
    List<ScriptedReplica> nodes = new ArrayList<>();
    for (long id : ids) {
      nodes.add(replica(id));
    }
    if (nodes.size() == 1 && nodes.get(0).node.role() == Role.LEADER) {
      ScriptedReplica r = nodes.get(0);
      ScriptedReplica.View before = r.view();
      for (int i = 0; i < r.cfg.electionTicks(); i++) {
        r.node.tick();
      }
      reportChange(r, before, "");
      return;
    }
    List<ScriptedReplica.View> before = new ArrayList<>();
    int ticksMax = 0;
    for (ScriptedReplica r : nodes) {
      if (r.node.role() == Role.LEADER) {
        throw new ScriptException("tick-election of several nodes ticks no leader: " + r.id);
      }
      before.add(r.view());
      ticksMax = Math.max(ticksMax, 2 * r.cfg.electionTicks());
    }
    boolean fired = false;
    for (int i = 0; i < ticksMax && !fired; i++) {
      for (ScriptedReplica r : nodes) {
        long draws = r.random.draws();
        r.node.tick();
        fired |= r.random.draws() != draws;
      }
    }
    if (!fired) {
      line("no election timer fired: " + ids + " cannot campaign");
    }
    for (int k = 0; k < nodes.size(); k++) {
      reportChange(nodes.get(k), before.get(k), "");
    }
  }

  // ------------------------------------------------------------------ the loop

  private void processReady(ScriptCommand c) {
    List<Long> ids = c.remainingIds();
    for (long id : ids.isEmpty() ? List.copyOf(replicas.keySet()) : ids) {
      ScriptedReplica r = replica(id);
      if (r.node.hasReady()) {
        handleReady(r);
      } else {
        line("> " + id + " has no Ready");
      }
    }
  }

  /** One turn of a replica loop, in the order {@link Ready} prescribes. */
  private void handleReady(ScriptedReplica r) {
    ScriptedReplica.View before = r.view();
    Ready rd = r.node.ready();
    line("> " + r.id + " handling Ready" + (rd.mustSync() ? " (sync)" : ""));
    int lengthBefore = out.length();
    if (!rd.snapshot().isEmpty()) {
      r.store.installSnapshot(rd.snapshot());
      line("  snapshot: " + TraceFormat.snapshot(rd.snapshot()));
    }
    if (!rd.entries().isEmpty()) {
      r.store.append(rd.entries());
      line("  entries:");
      rd.entries().forEach(e -> line("    " + TraceFormat.entry(e)));
    }
    rd.hardState()
        .ifPresent(
            hs -> {
              r.store.setHardState(hs);
              line("  hard state: " + TraceFormat.hardState(hs));
            });
    if (rd.mustSync()) {
      r.store.sync();
    }
    if (!rd.messages().isEmpty()) {
      line("  messages:");
      for (Envelope e : rd.messages()) {
        line("    " + TraceFormat.message(e) + send(e));
      }
    }
    if (!rd.snapshot().isEmpty()) {
      r.stateMachine.restore(rd.snapshot());
    }
    if (!rd.committedEntries().isEmpty()) {
      line("  committed:");
      for (Entry e : rd.committedEntries()) {
        r.stateMachine.apply(e);
        line("    " + TraceFormat.entry(e));
      }
    }
    if (!rd.readStates().isEmpty()) {
      line("  read states:");
      for (ReadState s : rd.readStates()) {
        line("    req=" + s.requestId() + " index=" + s.index());
      }
    }
    if (out.length() == lengthBefore) {
      line("  (empty)");
    }
    r.node.advance(rd);
    reportChange(r, before, "  ");
    check();
  }

  /** Puts {@code e} into its recipient's inbox; returns a note if the network drops it. */
  private String send(Envelope e) {
    ScriptedReplica to = replicas.get(e.to());
    if (to == null) {
      return " (dropped: no node " + e.to() + ")";
    }
    if (isCut(e.from(), e.to())) {
      return " (dropped: partition)";
    }
    to.inbox.add(e);
    return "";
  }

  /**
   * Delivers (or, for {@code drop-msgs} and recipients in {@code drop=}, drops) the messages
   * waiting in the inboxes of the given nodes, optionally only those of one {@code type=}, from one
   * sender {@code from=}, and at most {@code count=} per node.
   */
  private void deliverMsgs(ScriptCommand c, boolean dropAll) {
    List<Long> ids = c.remainingIds();
    List<Long> dropIds = dropAll ? List.of() : c.ids("drop");
    String type = c.string("type", null);
    long from = c.longArg("from", RaftNode.NONE);
    int count = c.intArg("count", Integer.MAX_VALUE);
    TreeSet<Long> targets = new TreeSet<>(ids);
    targets.addAll(dropIds);
    if (targets.isEmpty()) {
      targets.addAll(replicas.keySet());
    }
    boolean any = false;
    for (long id : targets) {
      ScriptedReplica r = replica(id);
      List<Envelope> picked = new ArrayList<>();
      for (Iterator<Envelope> it = r.inbox.iterator(); it.hasNext() && picked.size() < count; ) {
        Envelope e = it.next();
        boolean typeMatches = type == null || TraceFormat.typeName(e.body()).equals(type);
        if (typeMatches && (from == RaftNode.NONE || e.from() == from)) {
          picked.add(e);
          it.remove();
        }
      }
      if (picked.isEmpty()) {
        continue;
      }
      any = true;
      deliver(r, picked, dropAll || dropIds.contains(id));
    }
    if (!any) {
      line("no messages");
    }
  }

  private void deliver(ScriptedReplica r, List<Envelope> messages, boolean drop) {
    line("> " + r.id + (drop ? " dropping messages" : " receiving messages"));
    for (Envelope e : messages) {
      if (drop) {
        line("  " + TraceFormat.message(e) + " (dropped)");
        continue;
      }
      if (isCut(e.from(), e.to())) {
        line("  " + TraceFormat.message(e) + " (dropped: partition)");
        continue;
      }
      ScriptedReplica.View before = r.view();
      long ignoredBefore = r.node.status().ignoredMessages();
      r.node.step(e);
      boolean ignored = r.node.status().ignoredMessages() != ignoredBefore;
      line("  " + TraceFormat.message(e) + (ignored ? " (ignored)" : ""));
      reportChange(r, before, "  ");
      check();
    }
  }

  /**
   * Runs every given node's loop (all nodes if none given) and delivers their messages until no
   * Ready and no message is left among them.
   */
  private void stabilize(ScriptCommand c) {
    List<Long> ids = c.remainingIds();
    List<Long> members = ids.isEmpty() ? List.copyOf(replicas.keySet()) : ids;
    for (int round = 0; round < STABILIZE_ROUNDS_MAX; round++) {
      boolean progress = false;
      for (long id : members) {
        ScriptedReplica r = replica(id);
        if (r.node.hasReady()) {
          handleReady(r);
          progress = true;
        }
      }
      for (long id : members) {
        ScriptedReplica r = replica(id);
        if (!r.inbox.isEmpty()) {
          List<Envelope> messages = new ArrayList<>(r.inbox);
          r.inbox.clear();
          deliver(r, messages, false);
          progress = true;
        }
      }
      if (!progress) {
        return;
      }
    }
    throw new AssertionError("no quiet state after " + STABILIZE_ROUNDS_MAX + " rounds");
  }

  // ------------------------------------------------------------------ faults

  /** {@code partition (1,2) (3)}: the listed groups cannot talk; unlisted nodes form one more. */
  private void partition(ScriptCommand c) {
    partition.clear();
    for (String group : c.remainingPositional()) {
      TreeSet<Long> ids = new TreeSet<>();
      String inner = group.replace("(", "").replace(")", "");
      for (String id : inner.split(",")) {
        ids.add(replica(Long.parseLong(id.trim())).id);
      }
      partition.add(ids);
    }
    line(describePartition());
  }

  private void isolate(ScriptCommand c) {
    long id = replica(c.nextId()).id;
    partition.clear();
    partition.add(new TreeSet<>(List.of(id)));
    line(describePartition());
  }

  private void heal() {
    partition.clear();
    line("network healed");
  }

  private String describePartition() {
    TreeSet<Long> rest = new TreeSet<>(replicas.keySet());
    StringBuilder sb = new StringBuilder("partitioned:");
    for (Set<Long> group : partition) {
      rest.removeAll(group);
      sb.append(' ').append(group);
    }
    if (!rest.isEmpty()) {
      sb.append(' ').append(rest);
    }
    return sb.toString();
  }

  private boolean isCut(long a, long b) {
    return !partition.isEmpty() && groupOf(a) != groupOf(b);
  }

  private int groupOf(long id) {
    for (int i = 0; i < partition.size(); i++) {
      if (partition.get(i).contains(id)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * The node's process dies and restarts: its volatile state and undelivered inbox are lost, the
   * store (all of it durable with a {@link MemoryLogStore}) is kept.
   */
  private void crash(ScriptCommand c) {
    ScriptedReplica r = replica(c.nextId());
    int lost = r.inbox.size();
    r.inbox.clear();
    r.restarts++;
    r.start();
    line(
        "restarted "
            + r.id
            + " from its store ("
            + lost
            + " undelivered messages lost): "
            + stateLine(r));
  }

  /**
   * Saves a snapshot of the node's state machine as of {@code INDEX} (which must be applied) and
   * drops the log entries it covers.
   */
  private void compact(ScriptCommand c) {
    ScriptedReplica r = replica(c.nextId());
    long index = Long.parseLong(c.nextPositional("index"));
    RaftNode n = r.node;
    if (index > n.appliedIndex() || index <= r.store.snapshotMeta().index()) {
      throw new ScriptException(
          "compact at " + index + " outside (snapshot, applied " + n.appliedIndex() + "]");
    }
    for (long i = index + 1; i <= n.appliedIndex(); i++) {
      Optional<Entry> e = n.entryAt(i);
      if (e.isPresent() && e.get().type() == EntryType.CONF_CHANGE) {
        throw new ScriptException("membership changed after " + index + "; compact later");
      }
    }
    r.store.saveSnapshot(index, n.confState(), r.stateMachine.imageAt(index));
    r.store.compact(index);
    line("snapshot " + TraceFormat.snapshot(r.store.snapshot()));
    line("log now starts at " + r.store.firstIndex());
  }

  // ------------------------------------------------------------------ queries

  private void status(ScriptCommand c) {
    ScriptedReplica r = replica(c.nextId());
    Status s = r.node.status();
    line(
        s.id()
            + ": "
            + TraceFormat.role(s.role())
            + " term="
            + s.term()
            + " vote="
            + s.vote()
            + " lead="
            + s.leaderId());
    line(
        "  log: first="
            + s.firstIndex()
            + " last="
            + s.lastIndex()
            + " commit="
            + s.commit()
            + " applied="
            + s.applied());
    line("  conf: " + s.confState());
    if (s.leadTransferee() != RaftNode.NONE) {
      line("  transferring leadership to " + s.leadTransferee());
    }
    if (!s.progress().isEmpty()) {
      line("  progress:");
      for (Map.Entry<Long, ProgressView> p : new TreeMap<>(s.progress()).entrySet()) {
        line("    " + TraceFormat.progress(p.getKey(), p.getValue()));
      }
    }
    line("  state machine: " + r.stateMachine);
    line("  ignored messages: " + s.ignoredMessages());
  }

  private void raftLog(ScriptCommand c) {
    ScriptedReplica r = replica(c.nextId());
    RaftNode n = r.node;
    long first = r.store.firstIndex();
    if (first > 1) {
      OptionalLong t = n.termAt(first - 1);
      line("compacted up to " + (t.isPresent() ? t.getAsLong() : "?") + "/" + (first - 1));
    }
    if (n.lastIndex() < first) {
      line("log is empty");
    }
    for (long i = first; i <= n.lastIndex(); i++) {
      Optional<Entry> e = n.entryAt(i);
      String commit = i <= n.commitIndex() ? "" : " (uncommitted)";
      line(e.map(TraceFormat::entry).orElse("?/" + i) + commit);
    }
  }

  private void raftState() {
    for (ScriptedReplica r : replicas.values()) {
      line(stateLine(r));
    }
  }

  private static String stateLine(ScriptedReplica r) {
    RaftNode n = r.node;
    ConfState conf = n.confState();
    String member =
        conf.isVoter(r.id) ? "voter" : conf.isLearner(r.id) ? "learner" : "not a member";
    return r.id
        + ": "
        + TraceFormat.role(n.role())
        + " term="
        + n.term()
        + " lead="
        + n.leaderId()
        + " last="
        + n.lastIndex()
        + " commit="
        + n.commitIndex()
        + " ("
        + member
        + ")";
  }

  /** Prints what changed in the node's role, term, leader or membership since {@code before}. */
  private void reportChange(ScriptedReplica r, ScriptedReplica.View before, String indent) {
    ScriptedReplica.View after = r.view();
    if (!after.role().equals(before.role()) || after.term() != before.term()) {
      boolean showLead = after.lead() != RaftNode.NONE && after.lead() != r.id;
      String lead = showLead ? ", leader " + after.lead() : "";
      line(indent + "* " + r.id + " became " + after.role() + " at term " + after.term() + lead);
    } else if (after.lead() != before.lead()) {
      line(
          indent
              + "* "
              + r.id
              + (after.lead() == RaftNode.NONE
                  ? " lost its leader"
                  : " follows leader " + after.lead()));
    }
    if (!after.conf().equals(before.conf())) {
      line(indent + "* " + r.id + " applied membership " + after.conf());
    }
  }
}
