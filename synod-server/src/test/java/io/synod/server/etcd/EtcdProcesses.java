package io.synod.server.etcd;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.synod.server.Await;
import io.synod.server.MemberProcesses;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A cluster of real member processes ({@link MemberProcesses}) seen through the etcd API: a gRPC
 * channel per member, {@code Maintenance.Status} to find the leader, jetcd clients. Closing it
 * closes the clients and channels, then ends every member process.
 */
final class EtcdProcesses implements AutoCloseable {
  static final Duration LIMIT = Duration.ofSeconds(60);

  final MemberProcesses members;
  private final ManagedChannel[] channels;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  /** Starts {@code n} members under {@code root} and waits until all are healthy. */
  EtcdProcesses(int n, Path root, String... extraFlags) {
    this.members = new MemberProcesses(n, root, List.of(extraFlags));
    this.channels = new ManagedChannel[n];
    members.startAll();
    members.awaitHealthy(LIMIT);
  }

  /** A gRPC channel to member {@code i} (it reconnects across restarts of the member). */
  ManagedChannel channel(int i) {
    if (channels[i] == null) {
      channels[i] =
          NettyChannelBuilder.forAddress("127.0.0.1", members.flags.clientPorts.get(i))
              .usePlaintext()
              .build();
    }
    return channels[i];
  }

  /** A KV stub of member {@code i} whose calls time out after 20 s. */
  KVGrpc.KVBlockingStub kv(int i) {
    return KVGrpc.newBlockingStub(channel(i)).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  /** Member {@code i}'s Maintenance.Status, or empty if it does not answer within 5 s. */
  Optional<StatusResponse> status(int i) {
    try {
      return Optional.of(
          MaintenanceGrpc.newBlockingStub(channel(i))
              .withDeadlineAfter(5, TimeUnit.SECONDS)
              .status(StatusRequest.getDefaultInstance()));
    } catch (StatusRuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Waits until every running member answers Status naming the same leader, and that leader says it
   * leads ({@code leader == header.member_id}); returns its index.
   */
  int awaitLeader() {
    return Await.value(
        LIMIT,
        "one leader every running member names",
        () -> {
          long leader = 0;
          Integer index = null;
          for (int i = 0; i < members.size(); i++) {
            if (!members.isAlive(i)) {
              continue;
            }
            Optional<StatusResponse> s = status(i);
            if (s.isEmpty() || s.get().getLeader() == 0) {
              return null;
            }
            if (leader != 0 && s.get().getLeader() != leader) {
              return null;
            }
            leader = s.get().getLeader();
            if (s.get().getHeader().getMemberId() == leader) {
              index = i;
            }
          }
          return index;
        });
  }

  /** Member {@code i}'s id, from its Status header. */
  long memberId(int i) {
    return Await.value(LIMIT, "status of member " + i, () -> status(i).orElse(null))
        .getHeader()
        .getMemberId();
  }

  /** A jetcd client of {@code indexes} (every member if none given). */
  Client jetcd(int... indexes) {
    List<String> urls = new ArrayList<>();
    if (indexes.length == 0) {
      for (int i = 0; i < members.size(); i++) {
        urls.add(members.flags.clientUrl(i));
      }
    } else {
      for (int i : indexes) {
        urls.add(members.flags.clientUrl(i));
      }
    }
    Client c = Client.builder().endpoints(urls.toArray(String[]::new)).build();
    closeables.add(c);
    return c;
  }

  @Override
  public void close() {
    Closeables.closeAll(closeables); // best effort: the processes are ended next either way
    for (ManagedChannel ch : channels) {
      if (ch != null) {
        ch.shutdownNow();
      }
    }
    members.close();
  }
}
