package io.synod.server.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.synod.common.Bytes;
import io.synod.common.SystemClock;
import io.synod.raft.Envelope;
import io.synod.raft.MemoryLogStore;
import io.synod.raft.RaftCodec;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftMessage;
import io.synod.raft.RaftNode;
import io.synod.raft.replica.LoopConfig;
import io.synod.raft.replica.ReplicaLoop;
import io.synod.server.Await;
import io.synod.server.CounterStateMachine;
import io.synod.server.node.NodeRunner;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bad peer input is dropped and counted, never an error; forward calls reach their handler. */
class PeerServiceTest {
  private static final long SELF = 1;
  private static final long PEER = 2;
  private final ExecutorService completions = Executors.newSingleThreadExecutor();
  private final PeerStats stats = new PeerStats();
  private NodeRunner runner;
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    MemoryLogStore store = new MemoryLogStore();
    RaftNode.bootstrap(store, List.of(SELF, PEER));
    ReplicaLoop loop =
        new ReplicaLoop(
            RaftConfig.of(1, SELF),
            LoopConfig.defaults(),
            store,
            new CounterStateMachine(),
            e -> {},
            new SplittableRandom(1));
    runner =
        new NodeRunner(
            1,
            loop,
            SystemClock.INSTANCE,
            NodeRunner.Options.defaults(Duration.ofMillis(100)),
            completions,
            t -> {});
    runner.start();
    PeerService service = new PeerService(SELF, id -> id == PEER, stats);
    service.addGroup(runner);
    service.registerForward(
        7, (group, payload) -> CompletableFuture.completedFuture(payload.concat(Bytes.utf8("!"))));
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .directExecutor()
            .addService(service.definition())
            .build()
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    runner.close();
    completions.shutdownNow();
  }

  private static Bytes envelope(long group, long from, long to) {
    return RaftCodec.encode(
        new Envelope(group, from, to, 0, new RaftMessage.HeartbeatRequest(0, 0)));
  }

  @Test
  void everyKindOfBadEnvelopeIsDroppedAndCounted() {
    StreamObserver<byte[]> stream =
        ClientCalls.asyncBidiStreamingCall(
            channel.newCall(PeerMethods.RAFT, CallOptions.DEFAULT),
            new StreamObserver<byte[]>() {
              @Override
              public void onNext(byte[] value) {}

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
    stream.onNext(new byte[] {1, 2, 3});
    stream.onNext(PeerMethods.encodeBatch(List.of(Bytes.utf8("not an envelope"))));
    stream.onNext(
        PeerMethods.encodeBatch(
            List.of(
                envelope(1, PEER, 9), // for another member
                envelope(1, 7, SELF), // from an unknown member
                envelope(5, PEER, SELF), // for a group this node does not run
                envelope(1, PEER, SELF))));
    Await.until(
        Duration.ofSeconds(10),
        "all counted: " + stats,
        () ->
            stats.malformed() == 2
                && stats.droppedUnknownMember() == 2
                && stats.droppedUnknownGroup() == 1
                && stats.received() == 1);
    stream.onCompleted();
  }

  @Test
  void forwardCallsReachTheirHandler() {
    byte[] reply =
        ClientCalls.blockingUnaryCall(
            channel,
            PeerMethods.FORWARD,
            CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
            new PeerMethods.ForwardRequest(1, 7, Bytes.utf8("hi")).encode());
    assertThat(Bytes.wrapOwned(reply)).isEqualTo(Bytes.utf8("hi!"));
    assertThatThrownBy(
            () ->
                ClientCalls.blockingUnaryCall(
                    channel,
                    PeerMethods.FORWARD,
                    CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
                    new PeerMethods.ForwardRequest(1, 99, Bytes.EMPTY).encode()))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(
            e ->
                assertThat(((StatusRuntimeException) e).getStatus().getCode())
                    .isEqualTo(Status.Code.UNIMPLEMENTED));
    assertThatThrownBy(
            () ->
                ClientCalls.blockingUnaryCall(
                    channel,
                    PeerMethods.FORWARD,
                    CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
                    new PeerMethods.ForwardRequest(5, 7, Bytes.EMPTY).encode()))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(
            e ->
                assertThat(((StatusRuntimeException) e).getStatus().getCode())
                    .isEqualTo(Status.Code.NOT_FOUND));
  }
}
