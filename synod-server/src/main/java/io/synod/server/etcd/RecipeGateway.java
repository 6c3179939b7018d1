package io.synod.server.etcd;

import io.etcd.jetcd.api.CampaignRequest;
import io.etcd.jetcd.api.LeaderRequest;
import io.etcd.jetcd.api.LeaderResponse;
import io.etcd.jetcd.api.ProclaimRequest;
import io.etcd.jetcd.api.ResignRequest;
import io.etcd.jetcd.api.lock.LockRequest;
import io.etcd.jetcd.api.lock.UnlockRequest;
import io.grpc.Status;
import io.synod.server.client.HttpCall;
import java.util.concurrent.CompletableFuture;

/**
 * etcd 3.4's gateway routes of the Lock and Election services (etcd-api.md §10): {@code
 * /v3/lock/lock}, {@code /v3/lock/unlock} and {@code /v3/election/campaign|proclaim|leader|resign}
 * answer once; {@code /v3/election/observe} streams newline-delimited {@code {"result":...}}
 * objects over chunked HTTP/1.1 until the client goes away. Stateless.
 */
final class RecipeGateway {
  private RecipeGateway() {}

  static void register(JsonGateway gateway, LockService lock, ElectionService election) {
    // An HTTP/1.1 request is not told when its client goes away before the answer, so a lock or
    // campaign over the gateway waits until it succeeds or its lease expires.
    gateway.unary(
        "/v3/lock/lock",
        LockRequest.getDefaultInstance(),
        r -> lock.lock(r, new CompletableFuture<>()));
    gateway.unary("/v3/lock/unlock", UnlockRequest.getDefaultInstance(), lock::unlock);
    gateway.unary(
        "/v3/election/campaign",
        CampaignRequest.getDefaultInstance(),
        r -> election.campaign(r, new CompletableFuture<>()));
    gateway.unary(
        "/v3/election/proclaim", ProclaimRequest.getDefaultInstance(), election::proclaim);
    gateway.unary("/v3/election/leader", LeaderRequest.getDefaultInstance(), election::leader);
    gateway.unary("/v3/election/resign", ResignRequest.getDefaultInstance(), election::resign);
    gateway.route(
        "/v3/election/observe",
        (call, body) ->
            observe(call, election, JsonGateway.parse(body, LeaderRequest.getDefaultInstance())));
  }

  private static void observe(HttpCall call, ElectionService election, LeaderRequest request) {
    HttpCall.ChunkedResponse chunks = call.startChunked(200, "application/json");
    ObserveStream stream =
        election.observe(
            request,
            new LatestOutbox.Outbound<LeaderResponse>() {
              @Override
              public boolean isReady() {
                return chunks.isOpen();
              }

              @Override
              public void send(LeaderResponse response) {
                chunks.write(JsonGateway.result(response));
              }

              @Override
              public void fail(Status status) {
                chunks.write(JsonGateway.streamError(status));
                chunks.end();
              }
            },
            false);
    chunks.onClose(stream::close);
    stream.open();
  }
}
