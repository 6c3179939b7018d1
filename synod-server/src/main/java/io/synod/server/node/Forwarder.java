package io.synod.server.node;

import io.synod.common.Bytes;
import java.util.concurrent.CompletableFuture;

/**
 * Hands another member something only it can do, typically a follower handing the leader a proposal
 * (later: lease keep-alives, which only the leader may renew). Generic over the payload: {@code
 * kind} (a {@link ForwardKind}) tells the receiver which handler gets {@code payload}.
 *
 * <p>The future fails if the call failed in transit; the caller must then assume the receiver may
 * or may not have acted on it. Safe from any thread; never blocks.
 */
public interface Forwarder {
  CompletableFuture<Bytes> forward(long to, long groupId, int kind, Bytes payload);
}
