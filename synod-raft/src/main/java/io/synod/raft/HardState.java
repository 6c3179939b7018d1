package io.synod.raft;

/**
 * The state a node must persist before it acts on it: its current {@code term}, the node it voted
 * for in that term ({@code vote}, 0 for none) and the highest index it knows is committed.
 *
 * <p>The term and vote must be synced before any message that depends on them is sent (Raft §5.1,
 * Figure 2). The commit index may be written lazily: after a crash it may go back, never past what
 * was synced.
 */
public record HardState(long term, long vote, long commit) {
  public static final HardState EMPTY = new HardState(0, 0, 0);

  /** Whether moving from this state to {@code next} requires a sync before acting. */
  boolean needsSyncTo(HardState next) {
    return term != next.term || vote != next.vote;
  }
}
