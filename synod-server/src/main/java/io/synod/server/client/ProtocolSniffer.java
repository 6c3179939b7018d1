package io.synod.server.client;

import io.grpc.ChannelLogger;
import io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.InternalProtocolNegotiators;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Serves gRPC (h2c) and HTTP/1.1 on one port, as etcd does with cmux: a gRPC-netty protocol
 * negotiator that peeks at the first bytes of each connection. The HTTP/2 connection preface
 * ({@code PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n}) hands the connection to gRPC's HTTP/2 handler, exactly
 * as gRPC's own plaintext negotiator would; anything else installs an HTTP/1.1 codec and {@link
 * Http1Handler}. The bytes peeked at are replayed into the chosen handler.
 *
 * <pre>
 *   accept ─▶ [Sniff] ─┬─ "PRI * HTTP/2.0..." ─▶ gRPC plaintext negotiation ─▶ gRPC HTTP/2 handler
 *                      └─ anything else ──────▶ HttpServerCodec ─▶ aggregator ─▶ Http1Handler
 * </pre>
 *
 * A connection that sends nothing decisive within the sniff timeout is closed (this replaces gRPC's
 * handshake timeout, which the server turns off because an HTTP/1.1 connection never completes
 * gRPC's handshake).
 */
final class ProtocolSniffer implements InternalProtocolNegotiator.ProtocolNegotiator {
  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private final InternalProtocolNegotiator.ProtocolNegotiator plaintext =
      InternalProtocolNegotiators.serverPlaintext();
  private final HttpRouter router;
  private final int maxRequestBytes;
  private final Duration sniffTimeout;

  ProtocolSniffer(HttpRouter router, int maxRequestBytes, Duration sniffTimeout) {
    this.router = router;
    this.maxRequestBytes = maxRequestBytes;
    this.sniffTimeout = sniffTimeout;
  }

  @Override
  public AsciiString scheme() {
    return plaintext.scheme();
  }

  @Override
  public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
    return new SniffHandler(plaintext.newHandler(grpcHandler), grpcHandler.getNegotiationLogger());
  }

  @Override
  public void close() {
    plaintext.close();
  }

  /** Decides once per connection, then replaces itself. */
  private final class SniffHandler extends InternalProtocolNegotiators.ProtocolNegotiationHandler {
    private ByteBuf seen;
    private boolean negotiationStarted;
    private ScheduledFuture<?> deadline;

    SniffHandler(ChannelHandler grpcNegotiation, ChannelLogger logger) {
      super(grpcNegotiation, "ClientPortSniff", logger);
    }

    @Override
    protected void handlerAdded0(ChannelHandlerContext ctx) throws Exception {
      super.handlerAdded0(ctx);
      deadline =
          ctx.executor()
              .schedule(() -> ctx.close(), sniffTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    protected void protocolNegotiationEventTriggered(ChannelHandlerContext ctx) {
      negotiationStarted = true;
      decide(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
      if (!(msg instanceof ByteBuf b)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (seen == null) {
        seen = b;
      } else {
        seen = ctx.alloc().compositeBuffer().addComponents(true, seen, b);
      }
      decide(ctx);
    }

    private void decide(ChannelHandlerContext ctx) {
      if (!negotiationStarted || seen == null) {
        return;
      }
      int n = Math.min(seen.readableBytes(), PREFACE.length);
      for (int i = 0; i < n; i++) {
        if (seen.getByte(seen.readerIndex() + i) != PREFACE[i]) {
          toHttp1(ctx);
          return;
        }
      }
      if (n == PREFACE.length) {
        toGrpc(ctx);
      }
    }

    private void toGrpc(ChannelHandlerContext ctx) {
      ByteBuf bytes = takeSeen();
      // Replaces this handler with gRPC's plaintext negotiation, which installs the HTTP/2 handler;
      // the removed context still forwards to its replacement, so the bytes reach it.
      fireProtocolNegotiationEvent(ctx);
      ctx.fireChannelRead(bytes);
    }

    private void toHttp1(ChannelHandlerContext ctx) {
      ByteBuf bytes = takeSeen();
      ChannelPipeline p = ctx.pipeline();
      String name = ctx.name();
      p.addAfter(name, "http1-codec", new HttpServerCodec(4096, 16 * 1024, 8192));
      p.addAfter("http1-codec", "http1-aggregator", new HttpObjectAggregator(maxRequestBytes));
      p.addAfter("http1-aggregator", "http1", new Http1Handler(router));
      p.remove(this);
      ctx.fireChannelRead(bytes);
    }

    private ByteBuf takeSeen() {
      if (deadline != null) {
        deadline.cancel(false);
      }
      ByteBuf b = seen;
      seen = null;
      return b;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      release();
      super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
      release();
      super.handlerRemoved(ctx);
    }

    private void release() {
      if (deadline != null) {
        deadline.cancel(false);
      }
      if (seen != null) {
        seen.release();
        seen = null;
      }
    }
  }
}
