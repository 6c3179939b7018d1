package io.synod.raft;

import java.util.List;
import java.util.Optional;

/**
 * Work the replica loop must do for the {@link RaftNode}, in this order:
 *
 * <ol>
 *   <li>install {@code snapshot} if it is not empty, append {@code entries}, write {@code
 *       hardState} if present;
 *   <li>sync if {@code mustSync} (new entries, a snapshot, a new term or vote, or a membership
 *       change about to be applied, whose commit must not be forgotten);
 *   <li>send {@code messages} (they may promise that the writes above are durable);
 *   <li>apply {@code committedEntries} in order, restore the state machine from {@code snapshot},
 *       and serve {@code readStates} once their index is applied;
 *   <li>call {@link RaftNode#advance(Ready)} with this instance.
 * </ol>
 *
 * <p>Immutable. Only one Ready is outstanding at a time.
 */
public record Ready(
    Optional<HardState> hardState,
    List<Entry> entries,
    Snapshot snapshot,
    List<Entry> committedEntries,
    List<Envelope> messages,
    List<ReadState> readStates,
    boolean mustSync) {

  public Ready {
    entries = List.copyOf(entries);
    committedEntries = List.copyOf(committedEntries);
    messages = List.copyOf(messages);
    readStates = List.copyOf(readStates);
  }
}
