package io.synod.server.peer;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
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
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad peer input is dropped and counted, never an error; forward calls reach their handler through
 * a real {@link PeerLink} and come back to their own caller, or fail with a status.
 */
class PeerServiceTest {
  private static final long SELF = 1;
  private static final long PEER = 2;
  private final ExecutorService completions = Executors.newSingleThreadExecutor();
  private final PeerStats stats = new PeerStats();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final List<PeerLink> links = new CopyOnWriteArrayList<>();
  private final List<HeldCall> held = new CopyOnWriteArrayList<>();

  /** A forward call the handler of kind 9 holds until the test answers it. */
  private record HeldCall(Bytes payload, CompletableFuture<Bytes> reply) {}

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
    service.registerForward(
        8,
        (group, payload) ->
            CompletableFuture.failedFuture(
                Status.FAILED_PRECONDITION.withDescription("not now").asException()));
    service.registerForward(
        9,
        (group, payload) -> {
          HeldCall h = new HeldCall(payload, new CompletableFuture<>());
          held.add(h);
          return h.reply();
        });
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
    links.forEach(PeerLink::close);
    scheduler.shutdownNow();
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

  private PeerLink link(Duration forwardTimeout) {
    PeerTransport.Options d = PeerTransport.Options.defaults();
    PeerLink link =
        new PeerLink(
            SELF,
            List.of("http://127.0.0.1:" + server.getPort()),
            new PeerTransport.Options(
                d.queueMessagesMax(),
                d.queueBytesMax(),
                d.backoffMin(),
                d.backoffMax(),
                forwardTimeout,
                d.senderThreads()),
            scheduler,
            new PeerStats(),
            how -> {});
    links.add(link);
    return link;
  }

  private static Status.Code failureCode(CompletableFuture<Bytes> f) {
    Throwable t = catchThrowable(() -> f.get(10, TimeUnit.SECONDS));
    assertThat(t).isInstanceOf(ExecutionException.class);
    return Status.fromThrowable(t.getCause()).getCode();
  }

  @Test
  void forwardCallsReachTheirHandlerAndTheirErrorsComeBack() throws Exception {
    PeerLink link = link(Duration.ofSeconds(5));
    assertThat(
            link.forward(new PeerMethods.ForwardRequest(1, 7, Bytes.utf8("hi"))).get(10, SECONDS))
        .isEqualTo(Bytes.utf8("hi!"));
    assertThat(failureCode(link.forward(new PeerMethods.ForwardRequest(1, 99, Bytes.EMPTY))))
        .isEqualTo(Status.Code.UNIMPLEMENTED);
    assertThat(failureCode(link.forward(new PeerMethods.ForwardRequest(5, 7, Bytes.EMPTY))))
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(failureCode(link.forward(new PeerMethods.ForwardRequest(1, 8, Bytes.EMPTY))))
        .as("a handler's own status comes back as it was")
        .isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(
            link.forward(new PeerMethods.ForwardRequest(1, 7, Bytes.utf8("still")))
                .get(10, SECONDS))
        .as("errors do not end the stream")
        .isEqualTo(Bytes.utf8("still!"));
  }

  @Test
  void repliesThatComeBackInAnyOrderReachTheirOwnCalls() throws Exception {
    PeerLink link = link(Duration.ofSeconds(5));
    int n = 200;
    List<CompletableFuture<Bytes>> calls = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      calls.add(link.forward(new PeerMethods.ForwardRequest(1, 9, Bytes.utf8("c" + i))));
    }
    Await.until(Duration.ofSeconds(10), "all calls held", () -> held.size() == n);
    // Answer the last call first, the first last.
    for (int i = n - 1; i >= 0; i--) {
      HeldCall h = held.get(i);
      h.reply().complete(h.payload().concat(Bytes.utf8("?")));
    }
    for (int i = 0; i < n; i++) {
      assertThat(calls.get(i).get(10, SECONDS)).isEqualTo(Bytes.utf8("c" + i + "?"));
    }
  }

  @Test
  void theStreamOutlivesTheClientCallThatOpenedIt() throws Exception {
    PeerLink link = link(Duration.ofSeconds(5));
    Context.CancellableContext clientCall = Context.current().withCancellation();
    CompletableFuture<Bytes> underWay =
        clientCall.call(
            () -> link.forward(new PeerMethods.ForwardRequest(1, 9, Bytes.utf8("opened"))));
    Await.until(Duration.ofSeconds(10), "the call reached the handler", () -> held.size() == 1);
    clientCall.cancel(null); // the client call in whose context the stream opened ends
    held.get(0).reply().complete(Bytes.utf8("answered"));
    assertThat(underWay.get(10, SECONDS)).isEqualTo(Bytes.utf8("answered"));
  }

  @Test
  void aCallWithoutAnswerFailsAtItsDeadlineAndOthersGoOn() throws Exception {
    PeerLink link = link(Duration.ofMillis(200));
    CompletableFuture<Bytes> unanswered =
        link.forward(new PeerMethods.ForwardRequest(1, 9, Bytes.utf8("never")));
    assertThat(failureCode(unanswered)).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(
            link.forward(new PeerMethods.ForwardRequest(1, 7, Bytes.utf8("next"))).get(10, SECONDS))
        .isEqualTo(Bytes.utf8("next!"));
    held.get(0).reply().complete(Bytes.utf8("too late")); // dropped, nothing waits for it
  }

  @Test
  void callsUnderWayFailWhenTheStreamBreaksAndLaterOnesFailFast() throws Exception {
    PeerLink link = link(Duration.ofSeconds(30));
    CompletableFuture<Bytes> underWay =
        link.forward(new PeerMethods.ForwardRequest(1, 9, Bytes.utf8("held")));
    Await.until(Duration.ofSeconds(10), "the call reached the handler", () -> held.size() == 1);
    server.shutdownNow().awaitTermination(5, SECONDS);
    assertThat(failureCode(underWay)).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(failureCode(link.forward(new PeerMethods.ForwardRequest(1, 7, Bytes.EMPTY))))
        .isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void aFrameTooShortForACallEndsTheStream() {
    CompletableFuture<Status> ended = new CompletableFuture<>();
    StreamObserver<byte[]> stream =
        ClientCalls.asyncBidiStreamingCall(
            channel.newCall(PeerMethods.FORWARD, CallOptions.DEFAULT),
            new StreamObserver<byte[]>() {
              @Override
              public void onNext(byte[] value) {}

              @Override
              public void onError(Throwable t) {
                ended.complete(Status.fromThrowable(t));
              }

              @Override
              public void onCompleted() {
                ended.complete(Status.OK);
              }
            });
    stream.onNext(new byte[] {1, 2, 3});
    assertThat(ended).succeedsWithin(Duration.ofSeconds(10));
    assertThat(ended.join().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(stats.malformed()).isEqualTo(1);
  }
}
