package io.synod.sim;

import io.synod.raft.Entry;
import io.synod.raft.RaftNode;
import io.synod.raft.Role;
import java.util.Arrays;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Raft's safety properties (Raft §5.2–5.4, Figure 3), checked after every simulated event:
 *
 * <ul>
 *   <li>Election Safety: at most one leader per term;
 *   <li>terms and commit indexes never go back within one incarnation of a node, and a restarted
 *       node never forgets a term it has sent messages in;
 *   <li>the commitment rule: a leader commits by counting only entries of its own term;
 *   <li>Log Matching over committed prefixes: every node's committed entries agree with the
 *       cluster's committed log (known from any node's commit index);
 *   <li>Leader Completeness: a new leader's log holds every committed entry;
 *   <li>State Machine Safety: every replica applies the same entry at each index and reaches the
 *       same state there.
 * </ul>
 *
 * A violation throws {@link SimulationFailure}. Owned by the simulation thread.
 */
final class SafetyChecker {
  private final TreeMap<Long, Long> leaderByTerm = new TreeMap<>();

  /** index -> term of the committed log, as far as any node has shown it. */
  private long[] committedTerms = new long[1024];

  /**
   * index -> the lowest term any node was in when it showed the index committed: an upper bound on
   * the term in which the entry was committed.
   */
  private long[] committedByTerm = new long[1024];

  private long committedKnown;

  /** index -> [term, data hash, state hash after applying] of what replicas applied. */
  private final TreeMap<Long, long[]> applied = new TreeMap<>();

  private final TreeMap<Long, NodeView> views = new TreeMap<>();

  /** Hears each index the first time any replica applies it: the committed log, in order. */
  private final Consumer<Entry> committed;

  SafetyChecker(Consumer<Entry> committed) {
    this.committed = committed;
  }

  /** What the checker remembers about one node. */
  private static final class NodeView {
    long incarnation = -1;
    long term;
    long commit;
    long checkedCommit;
    long maxTermSent;
    long leaderOfTerm = -1;
  }

  /** Records that {@code nodeId} sent a message carrying {@code term} (after persisting it). */
  void onSent(long nodeId, long term) {
    NodeView v = view(nodeId);
    v.maxTermSent = Math.max(v.maxTermSent, term);
  }

  /** Checks one live node after an event. */
  void check(long nodeId, long incarnation, RaftNode node) {
    NodeView v = view(nodeId);
    if (v.incarnation != incarnation) {
      onRestart(nodeId, v, incarnation, node);
    }
    if (node.term() < v.term) {
      throw fail("node %d term went back from %d to %d", nodeId, v.term, node.term());
    }
    if (node.commitIndex() < v.commit) {
      throw fail("node %d commit went back from %d to %d", nodeId, v.commit, node.commitIndex());
    }
    boolean leadingSameTerm = node.role() == Role.LEADER && v.leaderOfTerm == node.term();
    if (leadingSameTerm && node.commitIndex() > v.commit) {
      checkLeaderCommit(nodeId, node);
    }
    v.term = node.term();
    v.commit = node.commitIndex();
    checkCommittedPrefix(nodeId, v, node);
    if (node.role() == Role.LEADER && v.leaderOfTerm != node.term()) {
      onNewLeader(nodeId, v, node);
    }
  }

  /**
   * Raft §5.4.2 (Figure 8): a leader moves its commit index only onto an entry of its own term;
   * earlier entries commit with it. Counting replicas of an older entry is not enough, because a
   * later leader may still overwrite it.
   */
  private void checkLeaderCommit(long nodeId, RaftNode node) {
    OptionalLong t = node.termAt(node.commitIndex());
    if (t.isPresent() && t.getAsLong() != node.term()) {
      throw fail(
          "commitment rule: leader %d of term %d committed index %d of term %d by counting",
          nodeId, node.term(), node.commitIndex(), t.getAsLong());
    }
  }

  private void onRestart(long nodeId, NodeView v, long incarnation, RaftNode node) {
    if (node.term() < v.maxTermSent) {
      throw fail(
          "node %d restarted at term %d but had sent messages in term %d: a term was not synced",
          nodeId, node.term(), v.maxTermSent);
    }
    v.incarnation = incarnation;
    v.term = node.term();
    v.commit = node.commitIndex();
    v.checkedCommit = 0;
    v.leaderOfTerm = -1;
  }

  private void checkCommittedPrefix(long nodeId, NodeView v, RaftNode node) {
    long commit = node.commitIndex();
    for (long i = Math.max(v.checkedCommit + 1, 1); i <= commit; i++) {
      OptionalLong t = node.termAt(i);
      if (t.isPresent()) { // else compacted into a snapshot
        record(nodeId, i, t.getAsLong(), node.term());
      }
    }
    v.checkedCommit = Math.max(v.checkedCommit, commit);
  }

  /**
   * Learns or checks that {@code index} is committed with {@code term}. Indexes can be learned out
   * of order (a node that holds a snapshot shows only what follows it), so 0 means "not known yet".
   */
  private void record(long nodeId, long index, long term, long observerTerm) {
    if (index >= committedTerms.length) {
      int length = (int) Math.max(index + 1, committedTerms.length * 2L);
      committedTerms = Arrays.copyOf(committedTerms, length);
      committedByTerm = Arrays.copyOf(committedByTerm, length);
    }
    long known = committedTerms[(int) index];
    if (known == 0) {
      committedTerms[(int) index] = term;
      committedByTerm[(int) index] = observerTerm;
      committedKnown = Math.max(committedKnown, index);
    } else if (known == term) {
      committedByTerm[(int) index] = Math.min(committedByTerm[(int) index], observerTerm);
    } else {
      throw fail(
          "log matching: node %d has term %d at committed index %d, the cluster committed term %d",
          nodeId, term, index, known);
    }
  }

  /**
   * Raft §5.4: an entry committed in term T is in the log of every leader of a term after T. The
   * checker knows an upper bound of T (the term of the first node seen holding the index
   * committed), so it checks exactly the entries that bound places before the new leader's term.
   */
  private void onNewLeader(long nodeId, NodeView v, RaftNode node) {
    long term = node.term();
    Long previous = leaderByTerm.putIfAbsent(term, nodeId);
    if (previous != null && previous != nodeId) {
      throw fail("election safety: nodes %d and %d both lead term %d", previous, nodeId, term);
    }
    v.leaderOfTerm = term;
    for (long i = 1; i <= committedKnown; i++) {
      long want = committedTerms[(int) i];
      if (want == 0 || committedByTerm[(int) i] >= term) {
        continue;
      }
      if (i > node.lastIndex()) {
        throw fail(
            "leader completeness: node %d leads term %d with last index %d, but index %d was"
                + " committed by term %d",
            nodeId, term, node.lastIndex(), i, committedByTerm[(int) i]);
      }
      OptionalLong t = node.termAt(i);
      if (t.isPresent() && t.getAsLong() != want) {
        throw fail(
            "leader completeness: node %d leads term %d with term %d at index %d, committed term %d",
            nodeId, term, t.getAsLong(), i, want);
      }
    }
  }

  /** A replica applied {@code entry} and its state hashes to {@code stateHash}. */
  void onApply(long nodeId, Entry entry, long stateHash) {
    long dataHash = entry.data().hashCode() * 31L + entry.type().ordinal();
    long[] seen = applied.get(entry.index());
    if (seen == null) {
      applied.put(entry.index(), new long[] {entry.term(), dataHash, stateHash});
      committed.accept(entry);
      return;
    }
    if (seen[0] != entry.term() || seen[1] != dataHash) {
      throw fail(
          "state machine safety: node %d applied %d/%d at index %d, another replica applied term %d there",
          nodeId, entry.term(), entry.index(), entry.index(), seen[0]);
    }
    if (seen[2] != stateHash) {
      throw fail(
          "replicas diverge: node %d has a different state after index %d", nodeId, entry.index());
    }
  }

  /** A replica restored a snapshot at {@code index} and its state hashes to {@code stateHash}. */
  void onRestore(long nodeId, long index, long stateHash) {
    long[] seen = applied.get(index);
    if (index > 0 && seen != null && seen[2] != stateHash) {
      throw fail("replicas diverge: node %d restored a snapshot at %d that differs", nodeId, index);
    }
  }

  /** The highest index any replica is known to have committed. */
  long committedIndex() {
    return committedKnown;
  }

  private NodeView view(long nodeId) {
    return views.computeIfAbsent(nodeId, id -> new NodeView());
  }

  private static SimulationFailure fail(String format, Object... args) {
    return new SimulationFailure(String.format(java.util.Locale.ROOT, format, args));
  }
}
