package io.synod.server.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Clock;
import io.synod.kv.KvCodec;
import io.synod.kv.KvCommand;
import io.synod.kv.KvConfig;
import io.synod.kv.KvStateMachine;
import io.synod.kv.LeaseKeeperConfig;
import io.synod.raft.MemoryLogStore;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftNode;
import io.synod.raft.Role;
import io.synod.raft.replica.LoopConfig;
import io.synod.raft.replica.Outcome;
import io.synod.raft.replica.ReplicaLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The leader's keep-alive on a one-member replica loop: a renewal of a checkpointed lease is
 * acknowledged only once a checkpoint that clears it has applied (etcd 3.5's Renew).
 */
class KvReplicaKeepAliveTest {
  private static final long LEASE = 7;

  private final AtomicLong nanos = new AtomicLong(TimeUnit.SECONDS.toNanos(100));
  private final Clock clock =
      new Clock() {
        @Override
        public long monotonicNanos() {
          return nanos.get();
        }

        @Override
        public long wallMillis() {
          return TimeUnit.NANOSECONDS.toMillis(nanos.get());
        }
      };
  private final KvReplica replica =
      new KvReplica(
          new KvStateMachine(KvConfig.defaults()),
          clock,
          new KvReplica.Settings(
              1_000, LeaseKeeperConfig.defaults(), new AutoCompactor.Policy.Off()));
  private ReplicaLoop loop;

  @BeforeEach
  void leadAndGrant() {
    MemoryLogStore store = new MemoryLogStore();
    RaftNode.bootstrap(store, List.of(1L));
    loop =
        new ReplicaLoop(
            RaftConfig.of(1, 1),
            LoopConfig.defaults(),
            store,
            replica.stateMachine(),
            e -> {},
            new SplittableRandom(1));
    for (int i = 0; i < 40 && loop.node().role() != Role.LEADER; i++) {
      loop.tick();
    }
    assertThat(loop.node().role()).isEqualTo(Role.LEADER);
    turn(); // the keeper starts
    List<Outcome> granted = new ArrayList<>();
    loop.propose(KvCodec.encode(new KvCommand.LeaseGrant(60, LEASE)), granted::add);
    assertThat(granted).singleElement().isInstanceOf(Outcome.Applied.class);
    turn(); // the keeper starts the lease's clock
  }

  private void turn() {
    replica.afterTurn(loop, nanos.get());
  }

  private long checkpointedMillis() {
    return replica.stateMachine().leases().lease(LEASE).orElseThrow().checkpointedRemainingMillis();
  }

  @Test
  void aLeaseWithoutCheckpointIsRenewedAtOnce() {
    KvReplica.LeaderAnswer<Long> answer = replica.keepAlive(loop, LEASE);

    assertThat(answer).isEqualTo(new KvReplica.LeaderAnswer.Value<>(60L));
  }

  @Test
  void aCheckpointedLeaseIsRenewedOnlyOnceItsClearApplied() {
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(6)); // past the keeper's 5-s checkpoint period
    turn();
    assertThat(checkpointedMillis()).isBetween(50_000L, 59_000L);

    // Observed when the answer becomes final: the checkpoint must be gone from the applied table by
    // then, or a leader lost now would leave the next one to resume the lease from ~54 s.
    List<Long> checkpointWhenAnswered = new ArrayList<>();
    KvReplica.LeaderAnswer<Long> answer = replica.keepAlive(loop, LEASE);
    if (answer instanceof KvReplica.LeaderAnswer.Later<Long> later) {
      later
          .answer()
          .thenAccept(
              settled -> {
                assertThat(settled).isEqualTo(new KvReplica.LeaderAnswer.Value<>(60L));
                checkpointWhenAnswered.add(checkpointedMillis());
              });
    } else {
      checkpointWhenAnswered.add(checkpointedMillis());
    }

    assertThat(checkpointWhenAnswered).containsExactly(0L);
    // Renewed and cleared: the next keep-alive needs no write.
    assertThat(replica.keepAlive(loop, LEASE)).isEqualTo(new KvReplica.LeaderAnswer.Value<>(60L));
  }

  @Test
  void aRenewalWhenThePeriodicCheckpointFallsDueWaitsForThatCheckpoint() {
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(6));
    turn(); // checkpointed: ~54 s left
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(6)); // the next periodic checkpoint is due now

    // The renewal's tick checkpoints every lease; this one's entry carries the renewed full TTL
    // rather than 0, and it is the one to wait for.
    KvReplica.LeaderAnswer<Long> answer = replica.keepAlive(loop, LEASE);

    assertThat(answer).isInstanceOf(KvReplica.LeaderAnswer.Later.class);
    assertThat(((KvReplica.LeaderAnswer.Later<Long>) answer).answer())
        .isCompletedWithValue(new KvReplica.LeaderAnswer.Value<>(60L));
    assertThat(checkpointedMillis()).isEqualTo(60_000L);
  }

  @Test
  void anUnknownLeaseIsAnsweredAtOnceWithTtlZero() {
    assertThat(replica.keepAlive(loop, 99)).isEqualTo(new KvReplica.LeaderAnswer.Value<>(0L));
  }
}
