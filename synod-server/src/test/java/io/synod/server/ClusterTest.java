package io.synod.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.server.node.NodeStatus;
import io.synod.server.node.ProposalOutcome;
import io.synod.storage.FileLogStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three members in one JVM on loopback ports, over the real peer transport and FileLogStore:
 * election, commit, forwarding a follower's proposal to the leader, restart from the data dir.
 */
class ClusterTest {
  private static final Duration LIMIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  private LocalCluster cluster;
  private final SynodServer[] servers = new SynodServer[3];
  private final List<Throwable> fatal = new CopyOnWriteArrayList<>();

  static SynodServer.Options testOptions() {
    return SynodServer.Options.defaults().withStorage(new FileLogStore.Options(1 << 20, 2));
  }

  private SynodServer start(int i) throws StartupException {
    servers[i] =
        SynodServer.start(
            cluster.config(i), testOptions(), CounterStateMachine::new, List.of(), fatal::add);
    return servers[i];
  }

  @AfterEach
  void stop() {
    for (SynodServer s : servers) {
      if (s != null) {
        s.close();
      }
    }
    assertThat(fatal).isEmpty();
  }

  private List<SynodServer> running() {
    List<SynodServer> out = new ArrayList<>();
    for (SynodServer s : servers) {
      if (s != null) {
        out.add(s);
      }
    }
    return out;
  }

  /** Waits until every running member knows the same leader, which is one of them. */
  private SynodServer awaitLeader() {
    return Await.value(
        LIMIT,
        "one leader all members agree on",
        () -> {
          long leader = -1;
          SynodServer leaderServer = null;
          for (SynodServer s : running()) {
            NodeStatus st = s.runner().status();
            if (!st.hasLeader() || (leader != -1 && st.leaderId() != leader)) {
              return null;
            }
            leader = st.leaderId();
            if (st.isLeader()) {
              leaderServer = s;
            }
          }
          return leaderServer;
        });
  }

  private static long sum(SynodServer s) throws Exception {
    return s.runner()
        .call(loop -> ((CounterStateMachine) loop.stateMachine()).sum())
        .get(10, TimeUnit.SECONDS);
  }

  private static long appliedSum(ProposalOutcome o) {
    assertThat(o).isInstanceOf(ProposalOutcome.Applied.class);
    return CounterStateMachine.decode(((ProposalOutcome.Applied) o).result());
  }

  private static ProposalOutcome propose(SynodServer s, long delta) throws Exception {
    return s.context().proposer().propose(CounterStateMachine.add(delta)).get(10, TimeUnit.SECONDS);
  }

  private void awaitSum(SynodServer s, long expected) {
    Await.until(
        LIMIT,
        s.context().config().name() + " applies up to sum " + expected,
        () -> {
          try {
            return sum(s) == expected;
          } catch (Exception e) {
            return false;
          }
        });
  }

  @Test
  void threeMembersElectCommitForwardAndRejoinAfterRestart() throws Exception {
    cluster = new LocalCluster(3, dir);
    for (int i = 0; i < 3; i++) {
      start(i);
    }
    SynodServer leader = awaitLeader();
    assertThat(leader.context().clusterId()).isEqualTo(servers[0].context().clusterId());

    assertThat(appliedSum(propose(leader, 5))).isEqualTo(5);

    int f = leader == servers[0] ? 1 : 0;
    SynodServer follower = servers[f];
    ProposalOutcome local =
        follower.runner().propose(CounterStateMachine.add(7)).get(10, TimeUnit.SECONDS);
    assertThat(local).isEqualTo(new ProposalOutcome.NotLeader(leader.context().memberId()));
    // Through the Proposer the follower hands the command to the leader.
    assertThat(appliedSum(propose(follower, 7))).isEqualTo(12);
    for (SynodServer s : running()) {
      awaitSum(s, 12);
    }

    // A follower stops; the other two commit without it; it restarts from its data dir.
    follower.close();
    servers[f] = null;
    leader = awaitLeader();
    assertThat(appliedSum(propose(leader, 1))).isEqualTo(13);
    SynodServer restarted = start(f);
    assertThat(restarted.context().memberId()).isEqualTo(follower.context().memberId());
    awaitSum(restarted, 13);
    leader = awaitLeader();
    assertThat(appliedSum(propose(restarted, 100))).isEqualTo(113);
    for (SynodServer s : running()) {
      awaitSum(s, 113);
    }
  }

  @Test
  void aRestartedMemberRecoversItsStateFromItsOwnLog() throws Exception {
    cluster = new LocalCluster(1, dir);
    SynodServer s = start(0);
    awaitLeader();
    for (int i = 1; i <= 10; i++) {
      assertThat(propose(s, i)).isInstanceOf(ProposalOutcome.Applied.class);
    }
    long applied = s.runner().status().appliedIndex();
    s.close();
    servers[0] = null;
    SynodServer again = start(0);
    awaitSum(again, 55);
    Await.until(LIMIT, "leader again", () -> again.runner().status().isLeader());
    assertThat(again.runner().status().appliedIndex()).isGreaterThanOrEqualTo(applied);
  }
}
