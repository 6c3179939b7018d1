package io.synod.server.client;

/**
 * Serves HTTP/1.1 requests for a path (or a path prefix) of the client port. Called on a Netty
 * event loop thread: it must not block; hand work over and answer the {@link HttpCall} later.
 */
@FunctionalInterface
public interface HttpEndpoint {
  void handle(HttpCall call);
}
