package io.synod.server.etcd;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.JetcdProto;

/**
 * etcd 3.4's {@code rpc.proto} where jetcd's compiled copy lacks parts of it. jetcd 0.8.5's stubs
 * have no {@code WatchCreateRequest.watch_id} (7) and {@code fragment} (8), no {@code
 * WatchResponse.fragment} (7), no {@code Compare.lease} (8) and target {@code LEASE} (4), and no
 * {@code Lease.LeaseLeases} RPC, and no {@code StatusResponse.raftAppliedIndex} (7), {@code errors}
 * (8), {@code dbSizeInUse} (9) and {@code isLearner} (10). On the gRPC wire those fields arrive as
 * unknown fields of jetcd's classes (read and written here by number); the JSON gateway converts
 * through this patched schema so that it reads and prints them by name; {@code LeaseLeases} is
 * served with {@link DynamicMessage}s of it.
 *
 * <p>Immutable; safe from any thread.
 */
final class EtcdSchema {
  static final int WATCH_CREATE_WATCH_ID = 7;
  static final int WATCH_CREATE_FRAGMENT = 8;
  static final int WATCH_RESPONSE_FRAGMENT = 7;
  static final int COMPARE_LEASE = 8;
  static final int COMPARE_TARGET_LEASE = 4;

  static final FileDescriptor RPC = build();
  static final Descriptor LEASE_LEASES_REQUEST = RPC.findMessageTypeByName("LeaseLeasesRequest");
  static final Descriptor LEASE_LEASES_RESPONSE = RPC.findMessageTypeByName("LeaseLeasesResponse");
  static final Descriptor LEASE_STATUS = RPC.findMessageTypeByName("LeaseStatus");

  private EtcdSchema() {}

  /** The patched descriptor of the message type {@code simpleName} (of etcdserverpb). */
  static Descriptor type(String simpleName) {
    Descriptor d = RPC.findMessageTypeByName(simpleName);
    if (d == null) {
      throw new IllegalArgumentException("no message etcdserverpb." + simpleName);
    }
    return d;
  }

  /** {@code m} (a jetcd message) as a message of the patched schema, unknown fields included. */
  static DynamicMessage patched(Message m) {
    try {
      return DynamicMessage.parseFrom(type(m.getDescriptorForType().getName()), m.toByteString());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("re-parsing " + m.getDescriptorForType().getName(), e);
    }
  }

  /** The varint of unknown field {@code number}, or 0. */
  static long unknownVarint(UnknownFieldSet fields, int number) {
    UnknownFieldSet.Field f = fields.getField(number);
    if (f == null || f.getVarintList().isEmpty()) {
      return 0;
    }
    return f.getVarintList().get(f.getVarintList().size() - 1);
  }

  /** A set holding one varint field. */
  static UnknownFieldSet varint(int number, long value) {
    return UnknownFieldSet.newBuilder()
        .addField(number, UnknownFieldSet.Field.newBuilder().addVarint(value).build())
        .build();
  }

  private static FileDescriptor build() {
    FileDescriptor jetcd = JetcdProto.getDescriptor();
    FileDescriptorProto.Builder file = jetcd.toProto().toBuilder();
    for (DescriptorProto.Builder m : file.getMessageTypeBuilderList()) {
      switch (m.getName()) {
        case "WatchCreateRequest" -> {
          m.addField(
              field("watch_id", WATCH_CREATE_WATCH_ID, FieldDescriptorProto.Type.TYPE_INT64));
          m.addField(field("fragment", WATCH_CREATE_FRAGMENT, FieldDescriptorProto.Type.TYPE_BOOL));
        }
        case "WatchResponse" ->
            m.addField(
                field("fragment", WATCH_RESPONSE_FRAGMENT, FieldDescriptorProto.Type.TYPE_BOOL));
        case "Compare" -> {
          m.addField(
              field("lease", COMPARE_LEASE, FieldDescriptorProto.Type.TYPE_INT64).toBuilder()
                  .setOneofIndex(0)
                  .build());
          m.getEnumTypeBuilderList().stream()
              .filter(e -> e.getName().equals("CompareTarget"))
              .forEach(
                  e ->
                      e.addValue(
                          EnumValueDescriptorProto.newBuilder()
                              .setName("LEASE")
                              .setNumber(COMPARE_TARGET_LEASE)));
        }
        case "StatusResponse" -> {
          m.addField(
              field(
                  "raftAppliedIndex",
                  MaintenanceService.STATUS_RAFT_APPLIED_INDEX,
                  FieldDescriptorProto.Type.TYPE_UINT64));
          m.addField(
              field(
                      "errors",
                      MaintenanceService.STATUS_ERRORS,
                      FieldDescriptorProto.Type.TYPE_STRING)
                  .toBuilder()
                  .setLabel(FieldDescriptorProto.Label.LABEL_REPEATED)
                  .build());
          m.addField(
              field(
                  "dbSizeInUse",
                  MaintenanceService.STATUS_DB_SIZE_IN_USE,
                  FieldDescriptorProto.Type.TYPE_INT64));
          m.addField(
              field(
                  "isLearner",
                  MaintenanceService.STATUS_IS_LEARNER,
                  FieldDescriptorProto.Type.TYPE_BOOL));
        }
        default -> {}
      }
    }
    file.addMessageType(DescriptorProto.newBuilder().setName("LeaseLeasesRequest"));
    file.addMessageType(
        DescriptorProto.newBuilder()
            .setName("LeaseStatus")
            .addField(field("ID", 1, FieldDescriptorProto.Type.TYPE_INT64)));
    file.addMessageType(
        DescriptorProto.newBuilder()
            .setName("LeaseLeasesResponse")
            .addField(message("header", 1, ".etcdserverpb.ResponseHeader", false))
            .addField(message("leases", 2, ".etcdserverpb.LeaseStatus", true)));
    for (ServiceDescriptorProto.Builder s : file.getServiceBuilderList()) {
      if (s.getName().equals("Lease")) {
        s.addMethod(
            MethodDescriptorProto.newBuilder()
                .setName("LeaseLeases")
                .setInputType(".etcdserverpb.LeaseLeasesRequest")
                .setOutputType(".etcdserverpb.LeaseLeasesResponse"));
      }
    }
    ClusterSchema.patch(file);
    try {
      return FileDescriptor.buildFrom(
          file.build(), jetcd.getDependencies().toArray(FileDescriptor[]::new));
    } catch (DescriptorValidationException e) {
      throw new IllegalStateException("patching etcd's rpc.proto", e);
    }
  }

  static FieldDescriptorProto field(String name, int number, FieldDescriptorProto.Type t) {
    return FieldDescriptorProto.newBuilder()
        .setName(name)
        .setNumber(number)
        .setType(t)
        .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL)
        .setJsonName(jsonName(name))
        .build();
  }

  static FieldDescriptorProto message(String name, int number, String type, boolean repeated) {
    return FieldDescriptorProto.newBuilder()
        .setName(name)
        .setNumber(number)
        .setType(FieldDescriptorProto.Type.TYPE_MESSAGE)
        .setTypeName(type)
        .setLabel(
            repeated
                ? FieldDescriptorProto.Label.LABEL_REPEATED
                : FieldDescriptorProto.Label.LABEL_OPTIONAL)
        .setJsonName(jsonName(name))
        .build();
  }

  /** protoc's lowerCamelCase JSON name. */
  private static String jsonName(String name) {
    StringBuilder b = new StringBuilder();
    boolean upper = false;
    for (char c : name.toCharArray()) {
      if (c == '_') {
        upper = true;
      } else {
        b.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return b.toString();
  }
}
