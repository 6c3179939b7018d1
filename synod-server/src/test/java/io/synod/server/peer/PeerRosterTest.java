package io.synod.server.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.synod.raft.Envelope;
import io.synod.raft.RaftMessage;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The roster follows the member table (adding only until the member belongs to its applied
 * configuration), refuses removed ids, and a member whose messages a peer refuses as removed learns
 * it.
 */
class PeerRosterTest {
  private static final List<String> A = List.of("http://127.0.0.1:1");
  private static final List<String> B = List.of("http://127.0.0.1:2");
  private static final List<String> C = List.of("http://127.0.0.1:3");

  @Test
  void followsTheTableAddingOnlyUntilComplete() {
    try (PeerTransport t =
        new PeerTransport(1, Map.of(2L, A), PeerTransport.Options.defaults(), new PeerStats())) {
      PeerRoster roster = new PeerRoster(1, t, Map.of(2L, A));
      assertThat(roster.isKnown(2)).isTrue();

      roster.follow(Map.of(3L, B), Set.of(), false);

      assertThat(roster.isKnown(2)).as("a joining member keeps its seeds").isTrue();
      assertThat(roster.isKnown(3)).isTrue();

      roster.follow(Map.of(1L, C, 3L, B), Set.of(2L), true);

      assertThat(roster.isKnown(2)).isFalse();
      assertThat(roster.isRemoved(2)).isTrue();
      assertThat(roster.isKnown(3)).isTrue();
      assertThat(roster.removal()).isNotDone();
    }
  }

  @Test
  void aMemberRefusedAsRemovedByAPeerLearnsItOnce() throws Exception {
    PeerStats stats = new PeerStats();
    PeerService service = new PeerService(2, id -> id == 1, id -> id == 1, stats);
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .directExecutor()
            .addService(service.definition())
            .build()
            .start();
    List<String> url = List.of("http://127.0.0.1:" + server.getPort());
    try (PeerTransport t =
        new PeerTransport(1, Map.of(2L, url), PeerTransport.Options.defaults(), new PeerStats())) {
      PeerRoster roster = new PeerRoster(1, t, Map.of(2L, url));

      t.send(new Envelope(1, 1, 2, 3, new RaftMessage.HeartbeatResponse(0)));

      String reason = roster.removal().get(30, TimeUnit.SECONDS);
      assertThat(reason).contains("was removed from the cluster").contains("peer 2 said so");
      assertThat(stats.droppedUnknownMember.sum()).isEqualTo(1);
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
