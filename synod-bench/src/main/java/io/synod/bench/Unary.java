package io.synod.bench;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A unary gRPC call's answer as a future: pass it as the call's response observer. Completed on the
 * channel's network thread, so whatever is chained to it must not block.
 */
final class Unary<T> extends CompletableFuture<T> implements StreamObserver<T> {
  @Override
  public void onNext(T value) {
    complete(value);
  }

  @Override
  public void onError(Throwable t) {
    completeExceptionally(t);
  }

  @Override
  public void onCompleted() {
    if (!isDone()) {
      completeExceptionally(
          Status.INTERNAL.withDescription("unary call ended without an answer").asException());
    }
  }

  /**
   * The gRPC status behind a failure, looking through the futures' wrappers; UNKNOWN (with the
   * failure as its cause) for a failure that carries no status.
   */
  static Status statusOf(Throwable t) {
    Throwable c = t;
    for (int depth = 0;
        depth < 16
            && (c instanceof CompletionException || c instanceof ExecutionException)
            && c.getCause() != null;
        depth++) {
      c = c.getCause();
    }
    return Status.fromThrowable(c);
  }
}
