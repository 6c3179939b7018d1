package io.synod.server.etcd;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * The errors of the Cluster and Maintenance services, with etcd 3.4's gRPC codes and exact messages
 * (etcd-api.md §9; {@code rpctypes/error.go} and {@code v3rpc/util.go}).
 */
enum ClusterError {
  MEMBER_NOT_FOUND(Status.Code.NOT_FOUND, "etcdserver: member not found"),
  MEMBER_EXISTS(Status.Code.FAILED_PRECONDITION, "etcdserver: member ID already exist"),
  PEER_URL_EXISTS(Status.Code.FAILED_PRECONDITION, "etcdserver: Peer URLs already exists"),
  BAD_URLS(Status.Code.INVALID_ARGUMENT, "etcdserver: given member URLs are invalid"),
  TOO_MANY_LEARNERS(
      Status.Code.FAILED_PRECONDITION, "etcdserver: too many learner members in cluster"),
  MEMBER_NOT_LEARNER(
      Status.Code.FAILED_PRECONDITION, "etcdserver: can only promote a learner member"),
  LEARNER_NOT_READY(
      Status.Code.FAILED_PRECONDITION,
      "etcdserver: can only promote a learner member which is in sync with leader"),
  NOT_ENOUGH_STARTED(
      Status.Code.FAILED_PRECONDITION,
      "etcdserver: re-configuration failed due to not enough started members"),
  NOT_LEADER(Status.Code.FAILED_PRECONDITION, "etcdserver: not leader"),
  BAD_TRANSFEREE(Status.Code.FAILED_PRECONDITION, "etcdserver: bad leader transferee"),
  /** Not in etcd's map, so it reaches clients as Unknown with etcd's message. */
  LEADER_TRANSFER_TIMEOUT(
      Status.Code.UNKNOWN, "etcdserver: request timed out, leader transfer took too long");

  private final Status.Code code;
  private final String message;

  ClusterError(Status.Code code, String message) {
    this.code = code;
    this.message = message;
  }

  String message() {
    return message;
  }

  StatusRuntimeException exception() {
    return EtcdErrors.status(code, message);
  }

  /** The error with {@code message}, if it is one of these. */
  static java.util.Optional<ClusterError> byMessage(String message) {
    for (ClusterError e : values()) {
      if (e.message.equals(message)) {
        return java.util.Optional.of(e);
      }
    }
    return java.util.Optional.empty();
  }
}
