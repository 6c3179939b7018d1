import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.grpc.GrpcService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The same raw-bytes echo service as ClientPortBench, served by Armeria (gRPC + HTTP/1.1, one port). */
public final class ArmeriaEchoServer {
  public static void main(String[] args) {
    MethodDescriptor.Marshaller<byte[]> raw =
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
    MethodDescriptor<byte[], byte[]> echo =
        MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("bench.Echo/Echo")
            .setRequestMarshaller(raw)
            .setResponseMarshaller(raw)
            .build();
    ServerServiceDefinition def =
        ServerServiceDefinition.builder("bench.Echo")
            .addMethod(
                echo,
                ServerCalls.asyncUnaryCall(
                    (byte[] req, StreamObserver<byte[]> res) -> {
                      res.onNext(req);
                      res.onCompleted();
                    }))
            .build();
    Server server =
        Server.builder()
            .http(Integer.parseInt(args[0]))
            .service(GrpcService.builder().addService(def).build())
            .service("/version", (ctx, req) -> HttpResponse.of(MediaType.JSON, "{}"))
            .build();
    server.start().join();
    System.out.println("armeria serving on " + server.activeLocalPort());
  }
}
