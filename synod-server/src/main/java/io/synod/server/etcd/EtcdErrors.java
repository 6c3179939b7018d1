package io.synod.server.etcd;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.synod.kv.KvError;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * etcd's gRPC errors (etcd-api.md §9): every error the API edge answers has etcd's code and its
 * exact message, because clients recognise errors by the message. Also the grpc-gateway v1 table of
 * HTTP statuses (§10). Stateless.
 */
final class EtcdErrors {
  static final String TIMEOUT_LEADER_FAILURE =
      "etcdserver: request timed out, possibly due to previous leader failure";
  static final String TIMEOUT_CONNECTION_LOST =
      "etcdserver: request timed out, possibly due to connection lost";

  private EtcdErrors() {}

  /** The gRPC error of {@code error}. */
  static StatusRuntimeException of(KvError error) {
    return status(code(error.code()), error.message());
  }

  static StatusRuntimeException status(Status.Code code, String message) {
    return Status.fromCode(code).withDescription(message).asRuntimeException();
  }

  static Status.Code code(KvError.Code code) {
    return switch (code) {
      case CANCELED -> Status.Code.CANCELLED;
      case UNKNOWN -> Status.Code.UNKNOWN;
      case INVALID_ARGUMENT -> Status.Code.INVALID_ARGUMENT;
      case NOT_FOUND -> Status.Code.NOT_FOUND;
      case FAILED_PRECONDITION -> Status.Code.FAILED_PRECONDITION;
      case OUT_OF_RANGE -> Status.Code.OUT_OF_RANGE;
      case RESOURCE_EXHAUSTED -> Status.Code.RESOURCE_EXHAUSTED;
      case PERMISSION_DENIED -> Status.Code.PERMISSION_DENIED;
      case UNAUTHENTICATED -> Status.Code.UNAUTHENTICATED;
      case UNAVAILABLE -> Status.Code.UNAVAILABLE;
      case DATA_LOSS -> Status.Code.DATA_LOSS;
    };
  }

  /**
   * The status a failed future stands for: etcd errors as they are; a request that outlived its
   * deadline is "request timed out" (it may or may not have been applied); a full or stopped
   * replica loop is "too many requests" or "server stopped"; anything else Unknown with its
   * message, as etcd passes unknown errors through.
   */
  static Status toStatus(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof StatusRuntimeException s) {
      return s.getStatus();
    }
    if (c instanceof StatusException s) {
      return s.getStatus();
    }
    if (c instanceof TimeoutException) {
      return Status.UNAVAILABLE.withDescription(KvError.TIMEOUT.message());
    }
    if (c instanceof RejectedExecutionException) {
      String m = String.valueOf(c.getMessage());
      return m.contains("stopped") || m.contains("failed")
          ? Status.UNAVAILABLE.withDescription(KvError.STOPPED.message())
          : Status.RESOURCE_EXHAUSTED.withDescription(KvError.TOO_MANY_REQUESTS.message());
    }
    return Status.UNKNOWN.withDescription(c.getMessage() == null ? c.toString() : c.getMessage());
  }

  /** grpc-gateway v1's HTTP status for a gRPC code (runtime.HTTPStatusFromCode). */
  static int httpStatus(Status.Code code) {
    return switch (code) {
      case OK -> 200;
      case CANCELLED -> 408;
      case UNKNOWN, INTERNAL, DATA_LOSS -> 500;
      case INVALID_ARGUMENT, OUT_OF_RANGE -> 400;
      case DEADLINE_EXCEEDED -> 504;
      case NOT_FOUND -> 404;
      case ALREADY_EXISTS, ABORTED -> 409;
      case PERMISSION_DENIED -> 403;
      case UNAUTHENTICATED -> 401;
      case RESOURCE_EXHAUSTED -> 429;
      case FAILED_PRECONDITION -> 412;
      case UNIMPLEMENTED -> 501;
      case UNAVAILABLE -> 503;
    };
  }
}
