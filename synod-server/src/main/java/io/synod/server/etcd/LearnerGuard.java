package io.synod.server.etcd;

import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.StatusRequest;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.synod.kv.KvError;
import java.util.function.BooleanSupplier;

/**
 * etcd's rule for learners (v3rpc's interceptors, etcd-api.md §9): a learner serves only {@code
 * Status} and serializable {@code Range}; every other unary call and every stream fails with {@code
 * Unavailable "etcdserver: rpc not supported for learner"}, so clients go to a voting member.
 * Stateless but for the supplier; safe from any thread.
 */
final class LearnerGuard implements ServerInterceptor {
  private final BooleanSupplier isLearner;

  LearnerGuard(BooleanSupplier isLearner) {
    this.isLearner = isLearner;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (!isLearner.getAsBoolean()) {
      return next.startCall(call, headers);
    }
    if (call.getMethodDescriptor().getType() != MethodDescriptor.MethodType.UNARY) {
      refuse(call);
      return new ServerCall.Listener<>() {};
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
        next.startCall(call, headers)) {
      private boolean refused;

      @Override
      public void onMessage(Q message) {
        if (supported(message)) {
          super.onMessage(message);
        } else {
          refused = true;
          refuse(call);
        }
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }
    };
  }

  /** etcd's isRPCSupportedForLearner. */
  static boolean supported(Object request) {
    return request instanceof StatusRequest
        || (request instanceof RangeRequest r && r.getSerializable());
  }

  private static void refuse(ServerCall<?, ?> call) {
    call.close(
        Status.UNAVAILABLE.withDescription(KvError.LEARNER_NOT_SUPPORTED.message()),
        new Metadata());
  }
}
