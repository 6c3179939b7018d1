package io.synod.server.peer;

import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.synod.common.Bytes;
import io.synod.raft.Envelope;
import io.synod.raft.RaftCodec;
import io.synod.server.member.MemberIds;
import io.synod.server.node.NodeRunner;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongPredicate;

/**
 * The incoming half of the peer transport: decodes batches of envelopes off each peer's stream and
 * hands them to the replica loop of their group, and serves forward calls through the registered
 * {@link ForwardHandler}s. Bad input is never an error: a malformed frame or envelope, an envelope
 * for another member, from an unknown member or for a group this node does not run is dropped and
 * counted ({@link PeerStats}).
 *
 * <p>Runs on gRPC's threads; never blocks (a full loop inbox drops the envelope).
 */
public final class PeerService {
  /**
   * How a member learns it was removed: a stream that carries its messages is ended with {@code
   * FAILED_PRECONDITION} and a description starting with this (etcd answers such a peer 410 Gone).
   */
  public static final String REMOVED_PREFIX = "synod: removed member ";

  private final long selfId;
  private final LongPredicate isKnownMember;
  private final LongPredicate isRemovedMember;
  private final Map<Long, NodeRunner> groups = new ConcurrentHashMap<>();
  private final Map<Integer, ForwardHandler> forwardHandlers = new ConcurrentHashMap<>();
  private final PeerStats stats;

  public PeerService(long selfId, LongPredicate isKnownMember, PeerStats stats) {
    this(selfId, isKnownMember, id -> false, stats);
  }

  /** As above; messages from an id {@code isRemovedMember} accepts end their stream (see above). */
  public PeerService(
      long selfId, LongPredicate isKnownMember, LongPredicate isRemovedMember, PeerStats stats) {
    this.selfId = selfId;
    this.isKnownMember = isKnownMember;
    this.isRemovedMember = isRemovedMember;
    this.stats = stats;
  }

  /** Routes envelopes of {@code runner}'s group to it. */
  public void addGroup(NodeRunner runner) {
    groups.put(runner.groupId(), runner);
  }

  /** Serves forward calls of {@code kind} (a {@link io.synod.server.node.ForwardKind}). */
  public void registerForward(int kind, ForwardHandler handler) {
    forwardHandlers.put(kind, handler);
  }

  /** The gRPC service: {@code synod.peer.v1.Peer}. */
  public ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder(PeerMethods.SERVICE)
        .addMethod(PeerMethods.RAFT, ServerCalls.asyncBidiStreamingCall(this::raftStream))
        .addMethod(PeerMethods.FORWARD, ServerCalls.asyncBidiStreamingCall(this::forwardStream))
        .build();
  }

  private StreamObserver<byte[]> raftStream(StreamObserver<byte[]> responses) {
    return new StreamObserver<>() {
      private boolean ended;

      @Override
      public void onNext(byte[] frame) {
        if (ended) {
          return;
        }
        List<Bytes> items;
        try {
          items = PeerMethods.decodeBatch(frame);
        } catch (IllegalArgumentException e) {
          stats.malformed.increment();
          return;
        }
        for (Bytes item : items) {
          Envelope e;
          try {
            e = RaftCodec.decode(item);
          } catch (IllegalArgumentException malformed) {
            stats.malformed.increment();
            continue;
          }
          if (e.to() == selfId && isRemovedMember.test(e.from())) {
            stats.droppedUnknownMember.increment();
            ended = true;
            responses.onError(
                Status.FAILED_PRECONDITION
                    .withDescription(
                        REMOVED_PREFIX
                            + MemberIds.hex(e.from())
                            + ": it was removed from the cluster")
                    .asException());
            return;
          }
          route(e);
        }
      }

      @Override
      public void onError(Throwable t) {
        // The peer went away; it reconnects by itself.
      }

      @Override
      public void onCompleted() {
        if (!ended) {
          responses.onCompleted();
        }
      }
    };
  }

  private void route(Envelope e) {
    if (e.to() != selfId || !isKnownMember.test(e.from())) {
      stats.droppedUnknownMember.increment();
      return;
    }
    NodeRunner runner = groups.get(e.groupId());
    if (runner == null) {
      stats.droppedUnknownGroup.increment();
      return;
    }
    if (runner.deliver(e)) {
      stats.received.increment();
    } else {
      stats.droppedInboxFull.increment();
    }
  }

  /**
   * One peer's forward calls: each is served as it comes, and its reply goes back on the stream
   * when it is ready, in any order. A frame too short to name its call ends the stream (the peer
   * fails its calls under way and opens another).
   */
  private StreamObserver<byte[]> forwardStream(StreamObserver<byte[]> responses) {
    ServerCallStreamObserver<byte[]> out = (ServerCallStreamObserver<byte[]>) responses;
    ForwardReplies replies = new ForwardReplies(out);
    out.setOnCancelHandler(replies::cancelled);
    return new StreamObserver<>() {
      @Override
      public void onNext(byte[] frame) {
        PeerMethods.ForwardCall call;
        try {
          call = PeerMethods.ForwardCall.decode(frame);
        } catch (IllegalArgumentException e) {
          stats.malformed.increment();
          replies.fail(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
          return;
        }
        replies.started();
        long id = call.callId();
        serve(call.request())
            .whenComplete(
                (reply, error) ->
                    replies.send(
                        error == null
                            ? PeerMethods.ForwardReply.ok(id, reply)
                            : PeerMethods.ForwardReply.error(id, statusOf(error))));
      }

      @Override
      public void onError(Throwable t) {
        replies.cancelled();
      }

      @Override
      public void onCompleted() {
        replies.halfClosed();
      }
    };
  }

  private CompletableFuture<Bytes> serve(PeerMethods.ForwardRequest req) {
    ForwardHandler handler = forwardHandlers.get(req.kind());
    if (handler == null) {
      return CompletableFuture.failedFuture(
          Status.UNIMPLEMENTED.withDescription("unknown forward kind " + req.kind()).asException());
    }
    if (!groups.containsKey(req.groupId())) {
      stats.droppedUnknownGroup.increment();
      return CompletableFuture.failedFuture(
          Status.NOT_FOUND.withDescription("unknown raft group " + req.groupId()).asException());
    }
    try {
      return handler.handle(req.groupId(), req.payload());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static Status statusOf(Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof StatusException || cause instanceof StatusRuntimeException) {
      return Status.fromThrowable(cause);
    }
    return Status.INTERNAL.withDescription(cause.toString());
  }

  /**
   * The reply half of a forward stream, written by whichever thread finishes a call: one writer at
   * a time (gRPC requires it), nothing written once the stream ended, and the stream completed only
   * after the peer half-closed and every call it started was answered.
   */
  private static final class ForwardReplies {
    private final ServerCallStreamObserver<byte[]> out;
    private int unanswered;
    private boolean halfClosed;
    private boolean ended;

    ForwardReplies(ServerCallStreamObserver<byte[]> out) {
      this.out = out;
    }

    synchronized void started() {
      unanswered++;
    }

    synchronized void send(PeerMethods.ForwardReply reply) {
      unanswered--;
      if (ended) {
        return;
      }
      out.onNext(reply.encode());
      maybeComplete();
    }

    synchronized void halfClosed() {
      halfClosed = true;
      maybeComplete();
    }

    synchronized void fail(Status status) {
      if (!ended) {
        ended = true;
        out.onError(status.asException());
      }
    }

    synchronized void cancelled() {
      ended = true;
    }

    private void maybeComplete() {
      if (halfClosed && unanswered == 0 && !ended) {
        ended = true;
        out.onCompleted();
      }
    }
  }
}
