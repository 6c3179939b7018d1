package io.synod.server.etcd;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.AlarmMember;
import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmResponse;
import io.etcd.jetcd.api.DefragmentRequest;
import io.etcd.jetcd.api.DefragmentResponse;
import io.etcd.jetcd.api.HashKVRequest;
import io.etcd.jetcd.api.HashKVResponse;
import io.etcd.jetcd.api.HashRequest;
import io.etcd.jetcd.api.HashResponse;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.MoveLeaderRequest;
import io.etcd.jetcd.api.MoveLeaderResponse;
import io.etcd.jetcd.api.SnapshotRequest;
import io.etcd.jetcd.api.SnapshotResponse;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.synod.common.Bytes;
import io.synod.kv.KvError;
import io.synod.kv.KvResponse;
import io.synod.raft.RaftNode;
import io.synod.raft.Role;
import io.synod.raft.replica.ReplicaLoop;
import io.synod.server.SynodVersion;
import io.synod.server.cluster.Alarm;
import io.synod.server.cluster.ClusterCommand;
import io.synod.server.node.NodeStatus;
import io.synod.server.node.ProposalOutcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * etcd's {@code etcdserverpb.Maintenance} (etcd-api.md §6): Status (what {@code etcdctl endpoint
 * status} and leader discovery use: the leader this member knows, so {@code leader ==
 * header.member_id} on the leader; {@code "etcdserver: no leader"} and the alarms in {@code
 * errors}), Hash and HashKV of this member's own state; Alarm through the log (GET as a
 * linearizable read of the replicated alarms); Defragment as a no-op that re-measures the store
 * (Synod's store is in memory and compaction already frees space); MoveLeader on the leader only;
 * Snapshot as a stream of a {@link SnapshotFile} taken on the loop thread at one applied index.
 * AlarmResponse, DefragmentResponse and MoveLeaderResponse carry no header, as in etcd 3.4. Safe
 * from any thread.
 */
final class MaintenanceService implements MaintenanceGrpc.AsyncService {
  /** Fields of etcd 3.4's StatusResponse that jetcd 0.8.5's stubs lack (sent as unknown fields). */
  static final int STATUS_RAFT_APPLIED_INDEX = 7;

  static final int STATUS_ERRORS = 8;
  static final int STATUS_DB_SIZE_IN_USE = 9;
  static final int STATUS_IS_LEARNER = 10;

  /** etcd's {@code snapshotSendBufferSize}. */
  static final int SNAPSHOT_CHUNK_BYTES = 32 * 1024;

  private final EtcdEdge edge;
  private final ClusterReplica cluster;

  MaintenanceService(EtcdEdge edge, ClusterReplica cluster) {
    this.edge = edge;
    this.cluster = cluster;
  }

  // ---------------------------------------------------------------------------------------------
  // Status, Hash, HashKV

  CompletableFuture<StatusResponse> status() {
    return CompletableFuture.supplyAsync(this::statusNow, edge.executor());
  }

  /**
   * From what the loop last published: the Raft state, the alarms and whether this member is a
   * learner. {@code dbSize} is the bytes of the data directory (its write-ahead log and snapshots:
   * Synod has no bbolt file), {@code dbSizeInUse} the store's size as the quota counts it.
   */
  private StatusResponse statusNow() {
    NodeStatus st = edge.ctx.runner().status();
    long dbBytes = directoryBytes(edge.ctx.config().dataDir());
    UnknownFieldSet.Builder extra =
        UnknownFieldSet.newBuilder()
            .addField(STATUS_RAFT_APPLIED_INDEX, varint(st.appliedIndex()))
            .addField(STATUS_DB_SIZE_IN_USE, varint(cluster.sizeBytes()));
    UnknownFieldSet.Field.Builder errors = UnknownFieldSet.Field.newBuilder();
    if (!st.hasLeader()) {
      errors.addLengthDelimited(ByteString.copyFromUtf8(KvError.NO_LEADER.message()));
    }
    for (Alarm a : cluster.alarms()) {
      errors.addLengthDelimited(ByteString.copyFromUtf8(a.toString()));
    }
    UnknownFieldSet.Field errorField = errors.build();
    if (!errorField.getLengthDelimitedList().isEmpty()) {
      extra.addField(STATUS_ERRORS, errorField);
    }
    if (cluster.isLearner()) {
      extra.addField(STATUS_IS_LEARNER, varint(1));
    }
    return StatusResponse.newBuilder()
        .setHeader(edge.header())
        .setVersion(SynodVersion.ETCD_SERVER)
        .setDbSize(dbBytes)
        .setLeader(st.leaderId())
        .setRaftIndex(st.commitIndex())
        .setRaftTerm(st.term())
        .setUnknownFields(extra.build())
        .build();
  }

  private static UnknownFieldSet.Field varint(long v) {
    return UnknownFieldSet.Field.newBuilder().addVarint(v).build();
  }

  /** The bytes of the regular files under {@code dir}; files vanishing meanwhile count as 0. */
  static long directoryBytes(Path dir) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .mapToLong(
              p -> {
                try {
                  BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                  return a.isRegularFile() ? a.size() : 0;
                } catch (IOException gone) {
                  return 0;
                }
              })
          .sum();
    } catch (IOException | UncheckedIOException e) {
      return 0; // a segment renamed or removed during the walk; the next call counts again
    }
  }

  /** etcd's Hash: of this member's whole store (here: a CRC-32C of its image). */
  CompletableFuture<HashResponse> hash(HashRequest request) {
    return edge.ctx
        .runner()
        .call(
            loop -> {
              Bytes image = cluster.stateMachine().kv().snapshot();
              CRC32C crc = new CRC32C();
              crc.update(image.asReadOnlyBuffer());
              return new long[] {crc.getValue(), cluster.stateMachine().kv().revision()};
            })
        .thenApply(
            h ->
                HashResponse.newBuilder().setHeader(edge.header(h[1])).setHash((int) h[0]).build());
  }

  /** etcd's HashKV: of the key-value view at a revision; equal on every member. */
  CompletableFuture<HashKVResponse> hashKv(HashKVRequest request) {
    return edge.ctx
        .runner()
        .call(loop -> cluster.stateMachine().kv().hashKv(request.getRevision()))
        .thenApply(
            r -> {
              KvResponse.HashKv h = (KvResponse.HashKv) EtcdEdge.check(r);
              return HashKVResponse.newBuilder()
                  .setHeader(edge.header(h.revision()))
                  .setHash((int) h.hash())
                  .setCompactRevision(h.compactRevision())
                  .build();
            });
  }

  // ---------------------------------------------------------------------------------------------
  // Alarm, Defragment

  CompletableFuture<AlarmResponse> alarm(AlarmRequest request) {
    Alarm.Type type;
    try {
      type = Alarm.Type.of(request.getAlarmValue());
    } catch (IllegalArgumentException unknown) {
      return CompletableFuture.completedFuture(AlarmResponse.getDefaultInstance());
    }
    switch (request.getAction()) {
      case GET:
        return alarms(type).thenApply(MaintenanceService::alarmResponse);
      case ACTIVATE:
      case DEACTIVATE:
        boolean activate = request.getAction() == AlarmRequest.AlarmAction.ACTIVATE;
        Alarm alarm = new Alarm(request.getMemberID(), type);
        Bytes command = ClusterCommand.encode(new ClusterCommand.AlarmChange(activate, alarm));
        return edge.ctx
            .proposer()
            .propose(command)
            .orTimeout(edge.requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
            .thenApply(
                outcome -> {
                  if (!(outcome instanceof ProposalOutcome.Applied a)) {
                    throw EtcdEdge.notApplied(outcome);
                  }
                  return alarmResponse(ClusterCommand.decodeAlarms(a.result()));
                });
      default:
        return CompletableFuture.completedFuture(AlarmResponse.getDefaultInstance());
    }
  }

  /** The raised alarms of {@code type} (every type for NONE), after a ReadIndex round. */
  private CompletableFuture<List<Alarm>> alarms(Alarm.Type type) {
    // The reader runs on the loop thread once the read index applied; the table is read there.
    return edge.read(
        false,
        kv -> {
          List<Alarm> out = new ArrayList<>();
          for (Alarm a : cluster.stateMachine().table().alarms()) {
            if (type == Alarm.Type.NONE || a.type() == type) {
              out.add(a);
            }
          }
          return out;
        });
  }

  private static AlarmResponse alarmResponse(List<Alarm> alarms) {
    AlarmResponse.Builder b = AlarmResponse.newBuilder();
    for (Alarm a : alarms) {
      b.addAlarms(
          AlarmMember.newBuilder().setMemberID(a.memberId()).setAlarmValue(a.type().number()));
    }
    return b.build();
  }

  /** Nothing to rewrite (the store is in memory, its size always current). */
  CompletableFuture<DefragmentResponse> defragment(DefragmentRequest request) {
    return edge.ctx.runner().call(loop -> DefragmentResponse.getDefaultInstance());
  }

  // ---------------------------------------------------------------------------------------------
  // MoveLeader

  /** What MoveLeader found on the loop thread. */
  private enum Transfer {
    NOT_LEADER,
    BAD_TRANSFEREE,
    DONE,
    STARTED
  }

  CompletableFuture<MoveLeaderResponse> moveLeader(MoveLeaderRequest request) {
    long target = request.getTargetID();
    long deadline = System.nanoTime() + edge.requestTimeout.toNanos();
    return edge.ctx
        .runner()
        .call(loop -> startTransfer(loop, target))
        .thenCompose(
            t ->
                switch (t) {
                  case NOT_LEADER ->
                      CompletableFuture.failedFuture(ClusterError.NOT_LEADER.exception());
                  case BAD_TRANSFEREE ->
                      CompletableFuture.failedFuture(ClusterError.BAD_TRANSFEREE.exception());
                  case DONE ->
                      CompletableFuture.completedFuture(MoveLeaderResponse.getDefaultInstance());
                  case STARTED -> awaitLeader(target, deadline);
                });
  }

  private Transfer startTransfer(ReplicaLoop loop, long target) {
    RaftNode n = loop.node();
    if (n.role() != Role.LEADER) {
      return Transfer.NOT_LEADER;
    }
    if (target == n.id()) {
      return Transfer.DONE;
    }
    if (!n.confState().isVoter(target)) {
      return Transfer.BAD_TRANSFEREE;
    }
    loop.transferLeadership(target);
    return Transfer.STARTED;
  }

  /** etcd waits, a tick at a time, until the target leads (or the request times out). */
  private CompletableFuture<MoveLeaderResponse> awaitLeader(long target, long deadlineNanos) {
    if (edge.ctx.runner().status().leaderId() == target) {
      return CompletableFuture.completedFuture(MoveLeaderResponse.getDefaultInstance());
    }
    if (System.nanoTime() >= deadlineNanos) {
      return CompletableFuture.failedFuture(ClusterError.LEADER_TRANSFER_TIMEOUT.exception());
    }
    Executor later =
        CompletableFuture.delayedExecutor(
            edge.ctx.config().heartbeatMillis(), TimeUnit.MILLISECONDS, edge.executor());
    return CompletableFuture.supplyAsync(
            () ->
                edge.ctx
                    .runner()
                    .call(
                        loop -> {
                          // A transfer abandoned after an election timeout is started again.
                          if (loop.node().role() == Role.LEADER
                              && loop.node().status().leadTransferee() == RaftNode.NONE) {
                            loop.transferLeadership(target);
                          }
                          return true;
                        })
                    .thenCompose(x -> awaitLeader(target, deadlineNanos)),
            later)
        .thenCompose(f -> f);
  }

  // ---------------------------------------------------------------------------------------------
  // Snapshot

  /** Takes the snapshot on the loop thread (one applied index), then encodes it off the loop. */
  CompletableFuture<SnapshotFile> takeSnapshot() {
    return edge.ctx
        .runner()
        .call(
            loop -> {
              RaftNode n = loop.node();
              EtcdStateMachine sm = cluster.stateMachine();
              long applied = n.appliedIndex();
              return new SnapshotFile(
                  edge.ctx.clusterId(),
                  edge.ctx.memberId(),
                  applied,
                  n.termAt(applied).orElse(0),
                  sm.kv().revision(),
                  sm.kv().snapshot());
            });
  }

  /**
   * The chunks of a snapshot stream: the body in {@link #SNAPSHOT_CHUNK_BYTES} pieces, each with
   * the bytes remaining after it, then the SHA-256 of the body with remaining 0 (etcd's layout).
   */
  static List<SnapshotResponse> chunks(SnapshotFile file) {
    Bytes body = file.body();
    List<SnapshotResponse> out = new ArrayList<>();
    for (int at = 0; at < body.size(); at += SNAPSHOT_CHUNK_BYTES) {
      int end = Math.min(body.size(), at + SNAPSHOT_CHUNK_BYTES);
      out.add(
          SnapshotResponse.newBuilder()
              .setRemainingBytes(body.size() - end)
              .setBlob(ByteString.copyFrom(body.slice(at, end).asReadOnlyBuffer()))
              .build());
    }
    out.add(
        SnapshotResponse.newBuilder()
            .setBlob(ByteString.copyFrom(SnapshotFile.sha256(body)))
            .build());
    return out;
  }

  @Override
  public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> out) {
    // gRPC takes the ready handler only during this call, before the chunks exist.
    ChunkSender sender = new ChunkSender((ServerCallStreamObserver<SnapshotResponse>) out);
    takeSnapshot()
        .thenApplyAsync(MaintenanceService::chunks, edge.executor())
        .whenComplete(
            (chunks, error) -> {
              if (error != null) {
                sender.fail(EtcdErrors.toStatus(error));
              } else {
                sender.send(chunks);
              }
            });
  }

  /** Sends the chunks as fast as the client reads them (gRPC's isReady/onReady). */
  private static final class ChunkSender {
    private final ServerCallStreamObserver<SnapshotResponse> call;
    private List<SnapshotResponse> chunks;
    private int next;
    private boolean done;

    ChunkSender(ServerCallStreamObserver<SnapshotResponse> call) {
      this.call = call;
      call.setOnReadyHandler(this::drain);
      call.setOnCancelHandler(this::cancelled);
    }

    synchronized void send(List<SnapshotResponse> all) {
      chunks = all;
      drain();
    }

    synchronized void fail(io.grpc.Status status) {
      if (done) {
        return;
      }
      done = true;
      try {
        call.onError(status.asRuntimeException());
      } catch (RuntimeException cancelled) {
        // The client went away.
      }
    }

    private synchronized void cancelled() {
      done = true;
    }

    private synchronized void drain() {
      try {
        while (!done && chunks != null && call.isReady()) {
          if (next == chunks.size()) {
            done = true;
            call.onCompleted();
            return;
          }
          call.onNext(chunks.get(next++));
        }
      } catch (RuntimeException cancelled) {
        done = true;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // gRPC

  @Override
  public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> out) {
    Grpc.reply(() -> alarm(request), out);
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
    Grpc.reply(this::status, out);
  }

  @Override
  public void defragment(DefragmentRequest request, StreamObserver<DefragmentResponse> out) {
    Grpc.reply(() -> defragment(request), out);
  }

  @Override
  public void hash(HashRequest request, StreamObserver<HashResponse> out) {
    Grpc.reply(() -> hash(request), out);
  }

  @Override
  public void hashKV(HashKVRequest request, StreamObserver<HashKVResponse> out) {
    Grpc.reply(() -> hashKv(request), out);
  }

  @Override
  public void moveLeader(MoveLeaderRequest request, StreamObserver<MoveLeaderResponse> out) {
    Grpc.reply(() -> moveLeader(request), out);
  }
}
