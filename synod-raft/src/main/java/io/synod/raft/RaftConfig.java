package io.synod.raft;

import io.synod.common.Assert;
import java.util.EnumSet;
import java.util.Set;

/**
 * The knobs of one Raft replica. Immutable; build with {@link #of(long, long)} or {@link
 * #builder(long, long)}. Ticks are the unit of Raft time: the shell calls {@link RaftNode#tick()}
 * at a fixed interval (etcd's --heartbeat-interval).
 *
 * @param groupId the Raft group this replica belongs to; messages for other groups are ignored
 * @param id this replica's id, nonzero and unique in the group
 * @param electionTicks a follower that hears nothing for a random time in {@code [electionTicks,
 *     2*electionTicks)} starts an election; a leader that hears from no quorum for {@code
 *     electionTicks} steps down when {@code checkQuorum} is on
 * @param heartbeatTicks the leader's heartbeat interval
 * @param preVote whether elections start with a pre-vote round (Raft thesis §9.6)
 * @param checkQuorum whether a leader steps down when cut off from a quorum, and voters ignore vote
 *     requests while they hear from a leader (thesis §6.2, §9.6)
 * @param appendBytesMax the most entry bytes in one append message (at least one entry is sent)
 * @param inflightAppendsMax the most unacknowledged append messages per follower
 * @param inflightBytesMax the most unacknowledged entry bytes per follower
 * @param uncommittedBytesMax the most entry bytes the leader accepts beyond its commit index;
 *     proposals beyond it are refused as busy
 * @param applyBytesMax the most committed entry bytes handed out in one {@link Ready}
 * @param snapshotChunkBytes the size of one snapshot chunk
 * @param snapshotWindowChunks the most unacknowledged snapshot chunks
 * @param snapshotBytesMax the largest snapshot a follower accepts (it is assembled in memory)
 * @param pendingReadsMax the most ReadIndex requests waiting at the leader
 * @param stepDownOnRemoval whether a leader removed from the configuration steps down
 * @param plantedBugs known-wrong rules switched on to test the simulator; empty in production
 */
public record RaftConfig(
    long groupId,
    long id,
    int electionTicks,
    int heartbeatTicks,
    boolean preVote,
    boolean checkQuorum,
    long appendBytesMax,
    int inflightAppendsMax,
    long inflightBytesMax,
    long uncommittedBytesMax,
    long applyBytesMax,
    int snapshotChunkBytes,
    int snapshotWindowChunks,
    long snapshotBytesMax,
    int pendingReadsMax,
    boolean stepDownOnRemoval,
    Set<PlantedBug> plantedBugs) {

  public RaftConfig {
    Assert.that(id > 0, "node id must be positive");
    Assert.that(heartbeatTicks > 0, "heartbeatTicks must be positive");
    Assert.that(electionTicks > heartbeatTicks, "electionTicks must exceed heartbeatTicks");
    Assert.that(appendBytesMax > 0 && inflightAppendsMax > 0 && inflightBytesMax > 0, "bad limits");
    Assert.that(uncommittedBytesMax > 0 && applyBytesMax > 0 && pendingReadsMax > 0, "bad limits");
    Assert.that(snapshotChunkBytes > 0 && snapshotWindowChunks > 0, "bad snapshot limits");
    Assert.that(
        snapshotBytesMax > 0 && snapshotBytesMax <= SnapshotReceiver.BYTES_MAX,
        "snapshotBytesMax must be in (0, %d]",
        SnapshotReceiver.BYTES_MAX);
    plantedBugs = plantedBugs.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(plantedBugs));
  }

  /** Defaults close to etcd's, for replica {@code id} of group {@code groupId}. */
  public static RaftConfig of(long groupId, long id) {
    return builder(groupId, id).build();
  }

  /** A builder starting from the defaults. */
  public static Builder builder(long groupId, long id) {
    return new Builder(groupId, id);
  }

  /** A builder starting from this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder(groupId, id);
    b.electionTicks = electionTicks;
    b.heartbeatTicks = heartbeatTicks;
    b.preVote = preVote;
    b.checkQuorum = checkQuorum;
    b.appendBytesMax = appendBytesMax;
    b.inflightAppendsMax = inflightAppendsMax;
    b.inflightBytesMax = inflightBytesMax;
    b.uncommittedBytesMax = uncommittedBytesMax;
    b.applyBytesMax = applyBytesMax;
    b.snapshotChunkBytes = snapshotChunkBytes;
    b.snapshotWindowChunks = snapshotWindowChunks;
    b.snapshotBytesMax = snapshotBytesMax;
    b.pendingReadsMax = pendingReadsMax;
    b.stepDownOnRemoval = stepDownOnRemoval;
    b.plantedBugs = plantedBugs;
    return b;
  }

  public boolean has(PlantedBug bug) {
    return plantedBugs.contains(bug);
  }

  /** Collects settings for a {@link RaftConfig}; the record's constructor checks them. */
  public static final class Builder {
    private final long groupId;
    private final long id;
    private int electionTicks = 10;
    private int heartbeatTicks = 1;
    private boolean preVote = true;
    private boolean checkQuorum = true;
    private long appendBytesMax = 1 << 20;
    private int inflightAppendsMax = 256;
    private long inflightBytesMax = 32L << 20;
    private long uncommittedBytesMax = 64L << 20;
    private long applyBytesMax = 64L << 20;
    private int snapshotChunkBytes = 1 << 20;
    private int snapshotWindowChunks = 4;
    private long snapshotBytesMax = 1L << 30;
    private int pendingReadsMax = 65536;
    private boolean stepDownOnRemoval = true;
    private Set<PlantedBug> plantedBugs = Set.of();

    private Builder(long groupId, long id) {
      this.groupId = groupId;
      this.id = id;
    }

    public Builder ticks(int election, int heartbeat) {
      this.electionTicks = election;
      this.heartbeatTicks = heartbeat;
      return this;
    }

    public Builder preVote(boolean on) {
      this.preVote = on;
      return this;
    }

    public Builder checkQuorum(boolean on) {
      this.checkQuorum = on;
      return this;
    }

    public Builder appendBytesMax(long bytes) {
      this.appendBytesMax = bytes;
      return this;
    }

    public Builder inflight(int appends, long bytes) {
      this.inflightAppendsMax = appends;
      this.inflightBytesMax = bytes;
      return this;
    }

    public Builder uncommittedBytesMax(long bytes) {
      this.uncommittedBytesMax = bytes;
      return this;
    }

    public Builder applyBytesMax(long bytes) {
      this.applyBytesMax = bytes;
      return this;
    }

    public Builder snapshotChunks(int chunkBytes, int windowChunks) {
      this.snapshotChunkBytes = chunkBytes;
      this.snapshotWindowChunks = windowChunks;
      return this;
    }

    public Builder snapshotBytesMax(long bytes) {
      this.snapshotBytesMax = bytes;
      return this;
    }

    public Builder pendingReadsMax(int reads) {
      this.pendingReadsMax = reads;
      return this;
    }

    public Builder stepDownOnRemoval(boolean on) {
      this.stepDownOnRemoval = on;
      return this;
    }

    public Builder plantedBugs(Set<PlantedBug> bugs) {
      this.plantedBugs = bugs;
      return this;
    }

    public RaftConfig build() {
      return new RaftConfig(
          groupId,
          id,
          electionTicks,
          heartbeatTicks,
          preVote,
          checkQuorum,
          appendBytesMax,
          inflightAppendsMax,
          inflightBytesMax,
          uncommittedBytesMax,
          applyBytesMax,
          snapshotChunkBytes,
          snapshotWindowChunks,
          snapshotBytesMax,
          pendingReadsMax,
          stepDownOnRemoval,
          plantedBugs);
    }
  }
}
