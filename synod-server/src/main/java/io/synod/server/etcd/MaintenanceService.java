package io.synod.server.etcd;

import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.grpc.stub.StreamObserver;
import io.synod.kv.KvError;
import io.synod.server.SynodVersion;
import io.synod.server.node.NodeStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * etcd's {@code etcdserverpb.Maintenance}, so far only {@code Status} (etcd-api.md §6), which
 * {@code etcdctl endpoint status} and leader discovery use: the version Synod claims, the leader
 * this member knows (so {@code leader == header.member_id} on the leader), the Raft commit index,
 * term and applied index, and {@code "etcdserver: no leader"} in {@code errors} when no leader is
 * known. {@code dbSize} and {@code dbSizeInUse} are the bytes of the member's data directory (its
 * write-ahead log and snapshots: Synod has no bbolt file). The other Maintenance RPCs answer
 * Unimplemented for now. Safe from any thread.
 */
final class MaintenanceService implements MaintenanceGrpc.AsyncService {
  /** Fields of etcd 3.4's StatusResponse that jetcd 0.8.5's stubs lack (sent as unknown fields). */
  static final int STATUS_RAFT_APPLIED_INDEX = 7;

  static final int STATUS_ERRORS = 8;
  static final int STATUS_DB_SIZE_IN_USE = 9;
  static final int STATUS_IS_LEARNER = 10;

  private final EtcdEdge edge;

  MaintenanceService(EtcdEdge edge) {
    this.edge = edge;
  }

  CompletableFuture<StatusResponse> status() {
    return CompletableFuture.supplyAsync(this::statusNow, edge.executor());
  }

  private StatusResponse statusNow() {
    NodeStatus st = edge.ctx.runner().status();
    long dbBytes = directoryBytes(edge.ctx.config().dataDir());
    UnknownFieldSet.Builder extra =
        UnknownFieldSet.newBuilder()
            .addField(
                STATUS_RAFT_APPLIED_INDEX,
                UnknownFieldSet.Field.newBuilder().addVarint(st.appliedIndex()).build())
            .addField(
                STATUS_DB_SIZE_IN_USE,
                UnknownFieldSet.Field.newBuilder().addVarint(dbBytes).build());
    if (!st.hasLeader()) {
      extra.addField(
          STATUS_ERRORS,
          UnknownFieldSet.Field.newBuilder()
              .addLengthDelimited(
                  com.google.protobuf.ByteString.copyFrom(
                      KvError.NO_LEADER.message(), StandardCharsets.UTF_8))
              .build());
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

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
    Grpc.reply(this::status, out);
  }
}
