package io.synod.server.client;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A rough benchmark of the client port (docs/design/server.md): unary gRPC round trips of a trivial
 * raw-bytes echo service over loopback. Not a test; run by hand:
 *
 * <pre>
 *   java -cp ... io.synod.server.client.ClientPortBench server PORT   # Synod's sniffing port
 *   java -cp ... io.synod.server.client.ClientPortBench client PORT   # against any echo server
 * </pre>
 *
 * The Armeria server measured against it is in bench/client-port/.
 */
public final class ClientPortBench {
  static final MethodDescriptor.Marshaller<byte[]> RAW =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  static final MethodDescriptor<byte[], byte[]> ECHO =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("bench.Echo/Echo")
          .setRequestMarshaller(RAW)
          .setResponseMarshaller(RAW)
          .build();

  private ClientPortBench() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[1]);
    if (args[0].equals("server")) {
      ServerServiceDefinition echo =
          ServerServiceDefinition.builder("bench.Echo")
              .addMethod(
                  ECHO,
                  ServerCalls.asyncUnaryCall(
                      (byte[] req, StreamObserver<byte[]> res) -> {
                        res.onNext(req);
                        res.onCompleted();
                      }))
              .build();
      HttpRouter router = new HttpRouter();
      router.exact("/version", call -> call.respondJson(200, "{}"));
      ClientServer server =
          new ClientServer(
              new ClientServer.Options(
                  List.of(new InetSocketAddress("127.0.0.1", port)),
                  2 << 20,
                  Duration.ofSeconds(5),
                  Duration.ofSeconds(10),
                  4),
              List.of(echo),
              router);
      server.start();
      System.out.println("synod client port serving on " + server.boundAddresses());
      Thread.currentThread().join();
    } else {
      client(port);
    }
  }

  private static void client(int port) throws Exception {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    byte[] payload = new byte[64];
    sequential(ch, payload, 20_000); // warm-up
    long[] lat = sequential(ch, payload, 50_000);
    Arrays.sort(lat);
    double seqSeconds = Arrays.stream(lat).sum() / 1e9;
    System.out.printf(
        "sequential: %d calls, %.0f calls/s, p50 %.0f us, p99 %.0f us, p99.9 %.0f us%n",
        lat.length,
        lat.length / seqSeconds,
        lat[lat.length / 2] / 1e3,
        lat[(int) (lat.length * 0.99)] / 1e3,
        lat[(int) (lat.length * 0.999)] / 1e3);
    concurrent(ch, payload, 50_000, 32); // warm-up
    long t0 = System.nanoTime();
    int n = 300_000;
    concurrent(ch, payload, n, 32);
    double s = (System.nanoTime() - t0) / 1e9;
    System.out.printf("concurrent(32 in flight): %d calls, %.0f calls/s%n", n, n / s);
    ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private static long[] sequential(ManagedChannel ch, byte[] payload, int n) {
    long[] lat = new long[n];
    for (int i = 0; i < n; i++) {
      long t = System.nanoTime();
      ClientCalls.blockingUnaryCall(ch, ECHO, CallOptions.DEFAULT, payload);
      lat[i] = System.nanoTime() - t;
    }
    return lat;
  }

  private static void concurrent(ManagedChannel ch, byte[] payload, int n, int inFlight)
      throws InterruptedException {
    Semaphore permits = new Semaphore(inFlight);
    CountDownLatch done = new CountDownLatch(n);
    for (int i = 0; i < n; i++) {
      permits.acquire();
      ClientCalls.asyncUnaryCall(
          ch.newCall(ECHO, CallOptions.DEFAULT),
          payload,
          new StreamObserver<byte[]>() {
            @Override
            public void onNext(byte[] value) {}

            @Override
            public void onError(Throwable t) {
              permits.release();
              done.countDown();
            }

            @Override
            public void onCompleted() {
              permits.release();
              done.countDown();
            }
          });
    }
    done.await(120, TimeUnit.SECONDS);
  }
}
