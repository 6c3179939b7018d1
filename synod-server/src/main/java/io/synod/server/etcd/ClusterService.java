package io.synod.server.etcd;

import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import io.etcd.jetcd.api.ClusterGrpc;
import io.etcd.jetcd.api.MemberAddRequest;
import io.etcd.jetcd.api.MemberAddResponse;
import io.etcd.jetcd.api.MemberListRequest;
import io.etcd.jetcd.api.MemberListResponse;
import io.etcd.jetcd.api.MemberRemoveRequest;
import io.etcd.jetcd.api.MemberRemoveResponse;
import io.etcd.jetcd.api.MemberUpdateRequest;
import io.etcd.jetcd.api.MemberUpdateResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.synod.kv.KvError;
import io.synod.server.ClientApi;
import io.synod.server.PeerUrls;
import io.synod.server.cluster.ClusterTable;
import io.synod.server.cluster.Member;
import io.synod.server.etcd.MembershipChanges.Answer;
import io.synod.server.etcd.MembershipChanges.Request;
import io.synod.server.member.MemberIds;
import io.synod.server.node.ForwardKind;
import io.synod.server.node.ReadResult;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * etcd's {@code etcdserverpb.Cluster} (etcd-api.md §5) on Raft membership. MemberList answers from
 * this member's applied member table (as etcd 3.4 does, no ReadIndex); MemberAdd, Remove, Update
 * and Promote are decided by the leader ({@link MembershipChanges}; a follower forwards them once,
 * {@link ForwardKind#MEMBER_CHANGE}) and answered once applied, retried within the request timeout
 * while there is no leader or another change is under way. Response headers carry cluster, member
 * and term but no revision, as etcd's. {@code MemberPromote} is missing from jetcd's stubs and is
 * served with {@link ClusterSchema}'s descriptors. Also serves joining members' {@link
 * ForwardKind#CLUSTER_INFO}. Safe from any thread.
 */
final class ClusterService implements ClusterGrpc.AsyncService {
  private static final long RETRY_PAUSE_MILLIS = 50;

  static final MethodDescriptor<DynamicMessage, DynamicMessage> MEMBER_PROMOTE =
      MethodDescriptor.<DynamicMessage, DynamicMessage>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("etcdserverpb.Cluster/MemberPromote")
          .setRequestMarshaller(
              ProtoUtils.marshaller(
                  DynamicMessage.getDefaultInstance(ClusterSchema.memberPromoteRequest())))
          .setResponseMarshaller(
              ProtoUtils.marshaller(
                  DynamicMessage.getDefaultInstance(ClusterSchema.memberPromoteResponse())))
          .build();

  private final EtcdEdge edge;
  private final ClusterReplica cluster;
  private final MembershipChanges changes;

  ClusterService(EtcdEdge edge, ClusterReplica cluster) {
    this.edge = edge;
    this.cluster = cluster;
    this.changes = new MembershipChanges(cluster.stateMachine().table());
  }

  /** The gRPC service: jetcd's four methods plus MemberPromote. */
  ServerServiceDefinition definition() {
    ServerServiceDefinition generated = ClusterGrpc.bindService(this);
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder("etcdserverpb.Cluster");
    generated.getMethods().forEach(b::addMethod);
    b.addMethod(
        MEMBER_PROMOTE,
        ServerCalls.asyncUnaryCall(
            (DynamicMessage request, StreamObserver<DynamicMessage> out) ->
                Grpc.reply(() -> promote(request), out)));
    return b.build();
  }

  /** Serves the leader's side of forwarded member changes, and joining members' questions. */
  void registerForwards(ClientApi.Registry registry) {
    registry.forward(
        ForwardKind.MEMBER_CHANGE,
        (group, payload) -> {
          Request request;
          try {
            request = MembershipChanges.decodeRequest(payload);
          } catch (IllegalArgumentException malformed) {
            return CompletableFuture.failedFuture(malformed);
          }
          return local(request).thenApply(MembershipChanges::encode);
        });
    registry.forward(
        ForwardKind.CLUSTER_INFO,
        (group, payload) ->
            edge.ctx
                .runner()
                .read(sm -> ((EtcdStateMachine) sm).table().members())
                .thenApply(
                    result -> {
                      if (result instanceof ReadResult.Value<List<Member>> v) {
                        return ClusterTable.encodeInfo(
                            new ClusterTable.Info(edge.ctx.clusterId(), v.value()));
                      }
                      throw new IllegalStateException("no leader to confirm the member list");
                    }));
  }

  // ---------------------------------------------------------------------------------------------
  // RPCs

  CompletableFuture<MemberListResponse> list(MemberListRequest request) {
    return edge.ctx
        .runner()
        .call(loop -> cluster.stateMachine().table().members())
        .thenApply(
            members ->
                MemberListResponse.newBuilder()
                    .setHeader(header())
                    .addAllMembers(protos(members))
                    .build());
  }

  CompletableFuture<MemberAddResponse> add(MemberAddRequest request) {
    List<String> urls;
    try {
      urls = urls(request.getPeerURLsList());
    } catch (IllegalArgumentException bad) {
      return CompletableFuture.failedFuture(ClusterError.BAD_URLS.exception());
    }
    // etcd's id of an added member: its peer URLs and the time in seconds (no cluster token).
    long id = MemberIds.memberId(urls, Long.toString(System.currentTimeMillis() / 1000));
    boolean learner = request.getIsLearner();
    return change(new Request.Add(id, urls, learner))
        .thenApply(
            members ->
                MemberAddResponse.newBuilder()
                    .setHeader(header())
                    .setMember(proto(new Member(id, "", urls, List.of(), learner)))
                    .addAllMembers(protos(members))
                    .build());
  }

  CompletableFuture<MemberRemoveResponse> remove(MemberRemoveRequest request) {
    return change(new Request.Remove(request.getID()))
        .thenApply(
            members ->
                MemberRemoveResponse.newBuilder()
                    .setHeader(header())
                    .addAllMembers(protos(members))
                    .build());
  }

  CompletableFuture<MemberUpdateResponse> update(MemberUpdateRequest request) {
    List<String> urls;
    try {
      urls = urls(request.getPeerURLsList());
    } catch (IllegalArgumentException bad) {
      return CompletableFuture.failedFuture(ClusterError.BAD_URLS.exception());
    }
    return change(new Request.Update(request.getID(), urls))
        .thenApply(
            members ->
                MemberUpdateResponse.newBuilder()
                    .setHeader(header())
                    .addAllMembers(protos(members))
                    .build());
  }

  CompletableFuture<DynamicMessage> promote(DynamicMessage request) {
    long id = (Long) request.getField(ClusterSchema.memberPromoteRequest().findFieldByName("ID"));
    return change(new Request.Promote(id))
        .thenApply(
            members -> {
              // MemberUpdateResponse has MemberPromoteResponse's layout (header 1, members 2).
              MemberUpdateResponse same =
                  MemberUpdateResponse.newBuilder()
                      .setHeader(header())
                      .addAllMembers(protos(members))
                      .build();
              try {
                return DynamicMessage.parseFrom(
                    ClusterSchema.memberPromoteResponse(), same.toByteString());
              } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException(e);
              }
            });
  }

  // ---------------------------------------------------------------------------------------------
  // Changes: here if leading, else at the leader; retried while there is none

  private CompletableFuture<List<Member>> change(Request request) {
    long deadline = System.nanoTime() + edge.requestTimeout.toNanos();
    return attempt(request, deadline);
  }

  private CompletableFuture<List<Member>> attempt(Request request, long deadlineNanos) {
    return local(request)
        .thenCompose(
            answer -> {
              if (answer instanceof Answer.NotLeader n
                  && n.leaderHint() != 0
                  && n.leaderHint() != edge.ctx.memberId()) {
                return edge.ctx
                    .peers()
                    .forward(
                        n.leaderHint(),
                        edge.ctx.groupId(),
                        ForwardKind.MEMBER_CHANGE,
                        MembershipChanges.encode(request))
                    .thenApply(MembershipChanges::decodeAnswer)
                    .exceptionally(
                        e -> new Answer.Unknown("forwarding to the leader failed: " + e));
              }
              return CompletableFuture.completedFuture(answer);
            })
        .thenCompose(
            answer -> {
              if (answer instanceof Answer.Done d) {
                return CompletableFuture.completedFuture(d.members());
              } else if (answer instanceof Answer.Refused r) {
                return CompletableFuture.failedFuture(r.error().exception());
              } else if (answer instanceof Answer.Unknown u) {
                return CompletableFuture.failedFuture(
                    u.reason().startsWith("forwarding")
                        ? EtcdErrors.status(
                            Status.Code.UNAVAILABLE, EtcdErrors.TIMEOUT_CONNECTION_LOST)
                        : EtcdErrors.of(KvError.TIMEOUT));
              }
              if (System.nanoTime() >= deadlineNanos) {
                KvError e =
                    edge.ctx.runner().status().hasLeader() ? KvError.TIMEOUT : KvError.NO_LEADER;
                return CompletableFuture.failedFuture(EtcdErrors.of(e));
              }
              Executor later =
                  CompletableFuture.delayedExecutor(
                      RETRY_PAUSE_MILLIS, TimeUnit.MILLISECONDS, edge.executor());
              return CompletableFuture.supplyAsync(() -> attempt(request, deadlineNanos), later)
                  .thenCompose(f -> f);
            });
  }

  /** Decides {@code request} on this member (answers NotLeader unless it leads). */
  private CompletableFuture<Answer> local(Request request) {
    Executor executor = edge.executor();
    return edge.ctx
        .runner()
        .call(
            loop -> {
              CompletableFuture<Answer> f = new CompletableFuture<>();
              // Completed off the loop thread, so what depends on it never runs there.
              changes.start(loop, request, a -> executor.execute(() -> f.complete(a)));
              return f;
            })
        .thenCompose(f -> f);
  }

  // ---------------------------------------------------------------------------------------------
  // Protos

  /** etcd's Cluster headers: cluster, member and term, no revision. */
  private ResponseHeader header() {
    return edge.header(0);
  }

  /** Normalized peer URLs; etcd's "given member URLs are invalid" for anything else. */
  private static List<String> urls(List<String> given) {
    if (given.isEmpty()) {
      throw new IllegalArgumentException("no URLs");
    }
    TreeSet<String> out = new TreeSet<>();
    for (String u : given) {
      out.add(PeerUrls.parseOne("peerURLs", u));
    }
    return List.copyOf(out);
  }

  static List<io.etcd.jetcd.api.Member> protos(List<Member> members) {
    List<io.etcd.jetcd.api.Member> out = new ArrayList<>(members.size());
    members.forEach(m -> out.add(proto(m)));
    return out;
  }

  static io.etcd.jetcd.api.Member proto(Member m) {
    return io.etcd.jetcd.api.Member.newBuilder()
        .setID(m.id())
        .setName(m.name())
        .addAllPeerURLs(m.peerUrls())
        .addAllClientURLs(m.clientUrls())
        .setIsLearner(m.learner())
        .build();
  }

  // ---------------------------------------------------------------------------------------------
  // gRPC

  @Override
  public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> out) {
    Grpc.reply(() -> list(request), out);
  }

  @Override
  public void memberAdd(MemberAddRequest request, StreamObserver<MemberAddResponse> out) {
    Grpc.reply(() -> add(request), out);
  }

  @Override
  public void memberRemove(MemberRemoveRequest request, StreamObserver<MemberRemoveResponse> out) {
    Grpc.reply(() -> remove(request), out);
  }

  @Override
  public void memberUpdate(MemberUpdateRequest request, StreamObserver<MemberUpdateResponse> out) {
    Grpc.reply(() -> update(request), out);
  }
}
