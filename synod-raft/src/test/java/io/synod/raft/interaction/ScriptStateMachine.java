package io.synod.raft.interaction;

import io.synod.common.Bytes;
import io.synod.raft.Entry;
import io.synod.raft.EntryType;
import io.synod.raft.Snapshot;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * The state machine of a scripted node: the data of every applied non-empty normal entry, by index.
 * Its snapshot image is one {@code index=data} line per entry, so snapshots grow with the applied
 * history and can be sent in several chunks.
 */
final class ScriptStateMachine {
  private final TreeMap<Long, String> values = new TreeMap<>();
  private long appliedIndex;

  long appliedIndex() {
    return appliedIndex;
  }

  void apply(Entry e) {
    if (e.index() != appliedIndex + 1) {
      throw new AssertionError(
          "applied entry " + e.index() + " does not follow applied index " + appliedIndex);
    }
    if (e.type() == EntryType.NORMAL && !e.data().isEmpty()) {
      values.put(e.index(), e.data().toString());
    }
    appliedIndex = e.index();
  }

  /** Replaces the state by a snapshot's image (or by nothing, for an empty snapshot). */
  void restore(Snapshot snapshot) {
    values.clear();
    String text = snapshot.data().toStringUtf8();
    for (String line : text.lines().toList()) {
      int eq = line.indexOf('=');
      values.put(Long.parseLong(line.substring(0, eq)), line.substring(eq + 1));
    }
    appliedIndex = snapshot.index();
  }

  /** The image of the state as of {@code index}, which must be applied already. */
  Bytes imageAt(long index) {
    if (index > appliedIndex) {
      throw new ScriptException(
          "index " + index + " is not applied yet (applied " + appliedIndex + ")");
    }
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<Long, String> e : values.headMap(index, true).entrySet()) {
      sb.append(e.getKey()).append('=').append(e.getValue()).append('\n');
    }
    return Bytes.utf8(sb.toString());
  }

  @Override
  public String toString() {
    StringJoiner j = new StringJoiner(" ", "[", "]");
    values.values().forEach(j::add);
    return j.toString();
  }
}
