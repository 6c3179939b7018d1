package io.synod.server.etcd;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;

/**
 * The parts of etcd 3.4's Cluster and Maintenance protos that jetcd 0.8.5's compiled copy lacks
 * beyond what {@link EtcdSchema} adds: {@code AlarmType.CORRUPT} (2), and the {@code MemberPromote}
 * RPC and its messages (served with {@code DynamicMessage}s of the patched schema).
 */
final class ClusterSchema {
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
