package io.synod.raft.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Bytes;
import io.synod.raft.ConfChange;
import io.synod.raft.Entry;
import io.synod.raft.EntryType;
import io.synod.raft.MemoryLogStore;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftNode;
import io.synod.raft.Role;
import io.synod.raft.SnapshotMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ReplicaLoopTest {

  /** Appends every normal command to a list; the image is the list joined by commas. */
  static final class ListStateMachine implements StateMachine {
    final List<String> applied = new ArrayList<>();
    long imageEstimate;

    @Override
    public long imageBytesEstimate() {
      return imageEstimate;
    }

    @Override
    public Bytes apply(Entry entry) {
      if (entry.type() == EntryType.NORMAL && !entry.data().isEmpty()) {
        applied.add(entry.data().toStringUtf8());
      }
      return Bytes.utf8("ok:" + entry.index());
    }

    @Override
    public Bytes snapshot() {
      return Bytes.utf8(String.join(",", applied));
    }

    @Override
    public void restore(SnapshotMeta meta, Bytes data) {
      applied.clear();
      if (!data.isEmpty()) {
        applied.addAll(List.of(data.toStringUtf8().split(",")));
      }
    }
  }

  private final MemoryLogStore store = new MemoryLogStore();
  private final ListStateMachine sm = new ListStateMachine();
  private final List<Outcome> outcomes = new ArrayList<>();
  private final List<ReadOutcome> reads = new ArrayList<>();

  private ReplicaLoop singleNode(LoopConfig config) {
    RaftNode.bootstrap(store, List.of(1L));
    return restart(config);
  }

  private ReplicaLoop restart(LoopConfig config) {
    ReplicaLoop loop =
        new ReplicaLoop(RaftConfig.of(1, 1), config, store, sm, e -> {}, new SplittableRandom(1));
    for (int i = 0; i < 40 && loop.node().role() != Role.LEADER; i++) {
      loop.tick();
    }
    assertThat(loop.node().role()).isEqualTo(Role.LEADER);
    return loop;
  }

  @Test
  void aProposalIsAnsweredWhenItsEntryApplies() {
    ReplicaLoop loop = singleNode(LoopConfig.defaults());

    loop.propose(Bytes.utf8("a"), outcomes::add);
    loop.propose(Bytes.utf8("b"), outcomes::add);

    assertThat(sm.applied).containsExactly("a", "b");
    assertThat(outcomes).hasSize(2).allMatch(o -> o instanceof Outcome.Applied);
    Outcome.Applied first = (Outcome.Applied) outcomes.get(0);
    assertThat(first.result()).isEqualTo(Bytes.utf8("ok:" + first.index()));
  }

  @Test
  void aFollowerRefusesProposalsWithTheLeaderItKnows() {
    MemoryLogStore s = new MemoryLogStore();
    RaftNode.bootstrap(s, List.of(1L, 2L));
    ReplicaLoop follower =
        new ReplicaLoop(
            RaftConfig.of(1, 2), LoopConfig.defaults(), s, sm, e -> {}, new SplittableRandom(2));

    follower.propose(Bytes.utf8("x"), outcomes::add);

    assertThat(outcomes).containsExactly(new Outcome.NotLeader(0));
  }

  @Test
  void aReadIsReleasedOnceTheLeaderConfirmedIt() {
    ReplicaLoop loop = singleNode(LoopConfig.defaults());
    loop.propose(Bytes.utf8("a"), outcomes::add);

    loop.read(reads::add);

    assertThat(reads).hasSize(1);
    assertThat(reads.get(0)).isInstanceOf(ReadOutcome.Ready.class);
    assertThat(((ReadOutcome.Ready) reads.get(0)).readIndex())
        .isLessThanOrEqualTo(loop.node().appliedIndex());
  }

  @Test
  void aReadWithoutALeaderIsRefused() {
    MemoryLogStore s = new MemoryLogStore();
    RaftNode.bootstrap(s, List.of(1L, 2L, 3L));
    ReplicaLoop follower =
        new ReplicaLoop(
            RaftConfig.of(1, 3), LoopConfig.defaults(), s, sm, e -> {}, new SplittableRandom(3));

    follower.read(reads::add);

    assertThat(reads).containsExactly(new ReadOutcome.NotLeader(0));
  }

  @Test
  void snapshotsCompactTheLogAndARestartRestoresFromThem() {
    LoopConfig config = new LoopConfig(5, 2, 100, 100, 10);
    ReplicaLoop loop = singleNode(config);
    for (int i = 0; i < 12; i++) {
      loop.propose(Bytes.utf8("c" + i), outcomes::add);
    }
    assertThat(store.snapshotMeta().index()).isGreaterThan(0);
    assertThat(store.firstIndex()).isGreaterThan(1);
    List<String> before = List.copyOf(sm.applied);

    sm.applied.clear();
    restart(config);

    assertThat(sm.applied).containsExactlyElementsOf(before);
  }

  @Test
  void aSnapshotAlsoWaitsForALogAsLargeAsTheImage() {
    // Every 5 entries by count, but only once the log since the last snapshot holds 100 % of the
    // state machine's 1,000-byte image (up to 10 % more, the stagger): each entry here is 26 or 27
    // bytes (payload + Entry.OVERHEAD_BYTES), so about 40 entries.
    ReplicaLoop loop = singleNode(new LoopConfig(5, 0, 100, 100, 10, 100));
    sm.imageEstimate = 1_000;
    for (int i = 0; i < 30; i++) {
      loop.propose(Bytes.utf8("c" + i), outcomes::add);
    }
    assertThat(store.snapshotMeta().index()).isZero();

    for (int i = 30; i < 50; i++) {
      loop.propose(Bytes.utf8("c" + i), outcomes::add);
    }
    long first = store.snapshotMeta().index();
    assertThat(first).isBetween(37L, 50L);

    // The count starts again from the snapshot.
    for (int i = 50; i < 70; i++) {
      loop.propose(Bytes.utf8("c" + i), outcomes::add);
    }
    assertThat(store.snapshotMeta().index()).isEqualTo(first);
    for (int i = 70; i < 100; i++) {
      loop.propose(Bytes.utf8("c" + i), outcomes::add);
    }
    assertThat(store.snapshotMeta().index()).isBetween(first + 37, first + 50);

    // A small state goes back to the entry count alone.
    sm.imageEstimate = 0;
    long before = store.snapshotMeta().index();
    for (int i = 100; i < 106; i++) {
      loop.propose(Bytes.utf8("c" + i), outcomes::add);
    }
    assertThat(store.snapshotMeta().index()).isGreaterThan(before);
    assertThat(outcomes).hasSize(106).allMatch(o -> o instanceof Outcome.Applied);
  }

  @Test
  void aMembershipChangeIsAnsweredLikeAnyProposal() {
    ReplicaLoop loop = singleNode(LoopConfig.defaults());

    loop.proposeConfChange(ConfChange.of(ConfChange.ChangeType.ADD_LEARNER, 2), outcomes::add);

    assertThat(outcomes).hasSize(1).allMatch(o -> o instanceof Outcome.Applied);
    assertThat(loop.node().confState().learners()).containsExactly(2L);
  }

  /** A store that notes its syncs in a shared event list. */
  private static final class NotingStore implements io.synod.raft.LogStore {
    final MemoryLogStore inner = new MemoryLogStore();
    final List<String> events;

    NotingStore(List<String> events) {
      this.events = events;
    }

    @Override
    public io.synod.raft.HardState hardState() {
      return inner.hardState();
    }

    @Override
    public SnapshotMeta snapshotMeta() {
      return inner.snapshotMeta();
    }

    @Override
    public io.synod.raft.Snapshot snapshot() {
      return inner.snapshot();
    }

    @Override
    public long firstIndex() {
      return inner.firstIndex();
    }

    @Override
    public long lastIndex() {
      return inner.lastIndex();
    }

    @Override
    public long term(long index) {
      return inner.term(index);
    }

    @Override
    public List<Entry> entries(long from, long toExclusive, long bytesMax) {
      return inner.entries(from, toExclusive, bytesMax);
    }

    @Override
    public void append(List<Entry> entries) {
      inner.append(entries);
    }

    @Override
    public void setHardState(io.synod.raft.HardState state) {
      inner.setHardState(state);
    }

    @Override
    public void installSnapshot(io.synod.raft.Snapshot snapshot) {
      inner.installSnapshot(snapshot);
    }

    @Override
    public void saveSnapshot(long index, io.synod.raft.ConfState confState, Bytes data) {
      inner.saveSnapshot(index, confState, data);
    }

    @Override
    public void compact(long index) {
      inner.compact(index);
    }

    @Override
    public void sync() {
      events.add("sync");
      inner.sync();
    }
  }

  /**
   * Three members wired by a queue; member 1's syncs and sends go into one list, so the test sees
   * their order.
   */
  @Test
  void aLeaderSendsItsAppendsBeforeItsOwnSyncButVotesOnlyAfter() {
    List<String> events = new ArrayList<>();
    java.util.ArrayDeque<io.synod.raft.Envelope> wire = new java.util.ArrayDeque<>();
    List<ReplicaLoop> loops = new ArrayList<>();
    for (long id = 1; id <= 3; id++) {
      io.synod.raft.LogStore s = id == 1 ? new NotingStore(events) : new MemoryLogStore();
      RaftNode.bootstrap(s, List.of(1L, 2L, 3L));
      Transport t =
          id == 1
              ? e -> {
                events.add("send " + e.body().getClass().getSimpleName());
                wire.add(e);
              }
              : wire::add;
      loops.add(
          new ReplicaLoop(
              RaftConfig.of(1, id),
              LoopConfig.defaults(),
              s,
              new ListStateMachine(),
              t,
              new SplittableRandom(id)));
    }
    ReplicaLoop one = loops.get(0);
    for (int i = 0; i < 200 && one.node().role() != Role.LEADER; i++) {
      one.tick();
      for (int n = 0; n < 1000 && !wire.isEmpty(); n++) {
        io.synod.raft.Envelope e = wire.poll();
        loops.get((int) e.to() - 1).receive(e);
      }
    }
    assertThat(one.node().role()).isEqualTo(Role.LEADER);
    // Becoming a candidate wrote a new term and vote: its vote requests went out after the sync.
    int firstVoteRequest = events.indexOf("send VoteRequest");
    assertThat(firstVoteRequest).isPositive();
    assertThat(events.subList(0, firstVoteRequest)).contains("sync");

    events.clear();
    one.propose(Bytes.utf8("x"), outcomes::add);
    // The term is durable: the appends carrying "x" go out before the leader's own sync.
    assertThat(events).startsWith("send AppendRequest", "send AppendRequest", "sync");
    assertThat(outcomes).isEmpty();
    for (int n = 0; n < 1000 && !wire.isEmpty(); n++) {
      io.synod.raft.Envelope e = wire.poll();
      loops.get((int) e.to() - 1).receive(e);
    }
    assertThat(outcomes).singleElement().isInstanceOf(Outcome.Applied.class);
  }

  @Test
  void proposalsOfOneBatchShareOneSync() {
    List<String> events = new ArrayList<>();
    NotingStore s = new NotingStore(events);
    RaftNode.bootstrap(s, List.of(1L));
    ReplicaLoop loop =
        new ReplicaLoop(
            RaftConfig.of(1, 1), LoopConfig.defaults(), s, sm, e -> {}, new SplittableRandom(1));
    for (int i = 0; i < 40 && loop.node().role() != Role.LEADER; i++) {
      loop.tick();
    }
    assertThat(loop.node().role()).isEqualTo(Role.LEADER);

    events.clear();
    loop.beginBatch();
    loop.beginBatch();
    for (int i = 0; i < 10; i++) {
      loop.propose(Bytes.utf8("b" + i), outcomes::add);
    }
    loop.endBatch();
    assertThat(events).as("an inner end does not process").isEmpty();
    loop.endBatch();
    assertThat(events).containsExactly("sync");
    assertThat(outcomes).hasSize(10).allMatch(o -> o instanceof Outcome.Applied);

    events.clear();
    for (int i = 0; i < 3; i++) {
      loop.propose(Bytes.utf8("u" + i), outcomes::add);
    }
    assertThat(events)
        .as("without a batch, each proposal syncs")
        .containsExactly("sync", "sync", "sync");
    assertThat(sm.applied).hasSize(13);
  }
}
