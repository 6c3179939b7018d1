package io.synod.raft.interaction;

import io.synod.raft.Entry;
import io.synod.raft.RaftNode;
import io.synod.raft.Role;
import java.util.Collection;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Raft's safety properties, checked after every step of a script (Raft §5.2, §5.4.3 and Figure 3):
 * at most one leader per term, and an entry once committed anywhere is the entry at its index on
 * every node that commits that index, forever. A violation throws, so a rewrite can never bless a
 * broken trace as the expected one.
 */
final class SafetyChecker {
  private final TreeMap<Long, Long> leaderByTerm = new TreeMap<>();
  private final TreeMap<Long, Entry> committed = new TreeMap<>();

  void check(Collection<ScriptedReplica> replicas) {
    for (ScriptedReplica r : replicas) {
      RaftNode n = r.node;
      if (n.role() == Role.LEADER) {
        Long other = leaderByTerm.putIfAbsent(n.term(), r.id);
        if (other != null && other != r.id) {
          throw violation("two leaders in term " + n.term() + ": " + other + " and " + r.id);
        }
      }
      long first = r.store.firstIndex();
      for (long i = first; i <= n.commitIndex(); i++) {
        Optional<Entry> e = n.entryAt(i);
        if (e.isEmpty()) {
          continue;
        }
        Entry known = committed.putIfAbsent(i, e.get());
        if (known != null && !known.equals(e.get())) {
          throw violation(
              "node "
                  + r.id
                  + " committed "
                  + TraceFormat.entry(e.get())
                  + " but "
                  + TraceFormat.entry(known)
                  + " was committed at that index before");
        }
      }
    }
  }

  private static AssertionError violation(String what) {
    return new AssertionError("SAFETY VIOLATION: " + what);
  }
}
