package io.synod.server.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM for the kill -9 tests of {@link LockElectionIT}: with jetcd, it grants a lease of
 * {@code TTL} seconds, keeps it alive, takes the lock (Lock service) or wins the election (Election
 * service, with value {@code VALUE}) named {@code NAME}, prints {@code HELD <key> <create
 * revision>} and waits to be killed (exiting by itself after five minutes, so a crashed test leaves
 * nothing behind).
 *
 * <pre>
 *   java -cp ... io.synod.server.etcd.RecipeHolderMain lock|campaign ENDPOINT NAME TTL [VALUE]
 * </pre>
 */
public final class RecipeHolderMain {
  private static final long CALL_LIMIT_SECONDS = 120;

  private RecipeHolderMain() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    ByteSequence name = ByteSequence.from(args[2], StandardCharsets.UTF_8);
    long ttl = Long.parseLong(args[3]);
    try (Client client = Client.builder().endpoints("http://" + args[1]).build()) {
      long lease =
          client.getLeaseClient().grant(ttl).get(CALL_LIMIT_SECONDS, TimeUnit.SECONDS).getID();
      client
          .getLeaseClient()
          .keepAlive(
              lease,
              new StreamObserver<LeaseKeepAliveResponse>() {
                @Override
                public void onNext(LeaseKeepAliveResponse r) {}

                @Override
                public void onError(Throwable t) {
                  System.out.println("KEEPALIVE-ERROR " + t);
                }

                @Override
                public void onCompleted() {}
              });
      String key;
      long revision;
      if (mode.equals("lock")) {
        ByteSequence k =
            client
                .getLockClient()
                .lock(name, lease)
                .get(CALL_LIMIT_SECONDS, TimeUnit.SECONDS)
                .getKey();
        key = k.toString(StandardCharsets.UTF_8);
        revision =
            client
                .getKVClient()
                .get(k)
                .get(CALL_LIMIT_SECONDS, TimeUnit.SECONDS)
                .getKvs()
                .get(0)
                .getCreateRevision();
      } else {
        var leader =
            client
                .getElectionClient()
                .campaign(name, lease, ByteSequence.from(args[4], StandardCharsets.UTF_8))
                .get(CALL_LIMIT_SECONDS, TimeUnit.SECONDS)
                .getLeader();
        key = leader.getKey().toString(StandardCharsets.UTF_8);
        revision = leader.getRevision();
      }
      System.out.println("HELD " + key + " " + revision);
      System.out.flush();
      Thread.sleep(TimeUnit.MINUTES.toMillis(5));
    }
  }
}
