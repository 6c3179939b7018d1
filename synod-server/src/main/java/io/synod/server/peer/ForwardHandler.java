package io.synod.server.peer;

import io.synod.common.Bytes;
import java.util.concurrent.CompletableFuture;

/**
 * Serves one kind of forward call on the receiving member. Called on a gRPC thread: it must not
 * block, only hand the work over (to a {@link io.synod.server.node.NodeRunner}) and return the
 * future of the reply.
 */
@FunctionalInterface
public interface ForwardHandler {
  CompletableFuture<Bytes> handle(long groupId, Bytes payload);
}
