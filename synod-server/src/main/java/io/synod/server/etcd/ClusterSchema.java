package io.synod.server.etcd;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;

/**
 * The parts of etcd 3.4's Cluster and Maintenance protos that jetcd 0.8.5's compiled copy lacks
 * (see {@link EtcdSchema}): {@code StatusResponse.raftAppliedIndex} (7), {@code errors} (8), {@code
 * dbSizeInUse} (9) and {@code isLearner} (10); {@code AlarmType.CORRUPT} (2); the {@code
 * MemberPromote} RPC and its messages. On the gRPC wire the missing fields are unknown fields of
 * jetcd's classes, written by number here; the gateway prints them by name through the patched
 * schema.
 */
final class ClusterSchema {
  static final int STATUS_RAFT_APPLIED_INDEX = 7;
  static final int STATUS_ERRORS = 8;
  static final int STATUS_DB_SIZE_IN_USE = 9;
  static final int STATUS_IS_LEARNER = 10;

  private ClusterSchema() {}

  // Not constants: this class is initialized while EtcdSchema builds the descriptors.
  static Descriptor memberPromoteRequest() {
    return EtcdSchema.type("MemberPromoteRequest");
  }

  static Descriptor memberPromoteResponse() {
    return EtcdSchema.type("MemberPromoteResponse");
  }

  /** Adds the missing parts to jetcd's {@code rpc.proto} (called while it is being patched). */
  static void patch(FileDescriptorProto.Builder file) {
    for (DescriptorProto.Builder m : file.getMessageTypeBuilderList()) {
      if (m.getName().equals("StatusResponse")) {
        m.addField(
            EtcdSchema.field("raftAppliedIndex", STATUS_RAFT_APPLIED_INDEX, Type.TYPE_UINT64));
        m.addField(
            EtcdSchema.field("errors", STATUS_ERRORS, Type.TYPE_STRING).toBuilder()
                .setLabel(Label.LABEL_REPEATED)
                .build());
        m.addField(EtcdSchema.field("dbSizeInUse", STATUS_DB_SIZE_IN_USE, Type.TYPE_INT64));
        m.addField(EtcdSchema.field("isLearner", STATUS_IS_LEARNER, Type.TYPE_BOOL));
      }
    }
    file.getEnumTypeBuilderList().stream()
        .filter(e -> e.getName().equals("AlarmType"))
        .forEach(
            e -> e.addValue(EnumValueDescriptorProto.newBuilder().setName("CORRUPT").setNumber(2)));
    file.addMessageType(
        DescriptorProto.newBuilder()
            .setName("MemberPromoteRequest")
            .addField(EtcdSchema.field("ID", 1, FieldDescriptorProto.Type.TYPE_UINT64)));
    file.addMessageType(
        DescriptorProto.newBuilder()
            .setName("MemberPromoteResponse")
            .addField(EtcdSchema.message("header", 1, ".etcdserverpb.ResponseHeader", false))
            .addField(EtcdSchema.message("members", 2, ".etcdserverpb.Member", true)));
    for (ServiceDescriptorProto.Builder s : file.getServiceBuilderList()) {
      if (s.getName().equals("Cluster")) {
        s.addMethod(
            MethodDescriptorProto.newBuilder()
                .setName("MemberPromote")
                .setInputType(".etcdserverpb.MemberPromoteRequest")
                .setOutputType(".etcdserverpb.MemberPromoteResponse"));
      }
    }
  }
}
