package io.synod.server.client;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Serves HTTP/1.1 on a client-port connection that the sniffer found was not HTTP/2: routes each
 * request to an {@link HttpEndpoint}. One request at a time per connection: reading from the socket
 * pauses until the answer is complete (HTTP pipelining, which no client in use relies on, is not
 * supported: requests already in the same read may be answered out of order).
 */
final class Http1Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger LOG = Logger.getLogger(Http1Handler.class.getName());

  private final HttpRouter router;

  Http1Handler(HttpRouter router) {
    this.router = router;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    if (!req.decoderResult().isSuccess()) {
      FullHttpResponse bad =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.BAD_REQUEST,
              Unpooled.copiedBuffer("400 Bad Request\n", StandardCharsets.UTF_8));
      bad.headers().set(HttpHeaderNames.CONTENT_LENGTH, bad.content().readableBytes());
      ctx.writeAndFlush(bad).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    String uri = req.uri();
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    String query = q < 0 ? "" : uri.substring(q + 1);
    NettyCall call =
        new NettyCall(
            ctx, req.method().name(), path, query, req, ByteBufUtil.getBytes(req.content()));
    ctx.channel().config().setAutoRead(false);
    HttpEndpoint endpoint = router.find(path);
    if (endpoint == null) {
      // Go's net/http answer, as etcd gives it.
      call.respond(
          404,
          "text/plain; charset=utf-8",
          "404 page not found\n".getBytes(StandardCharsets.UTF_8));
      return;
    }
    try {
      endpoint.handle(call);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "HTTP endpoint for " + path + " failed", e);
      call.respond(
          500, "text/plain; charset=utf-8", "internal error\n".getBytes(StandardCharsets.UTF_8));
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.log(Level.FINE, "HTTP/1.1 connection failed", cause);
    ctx.close();
  }

  /** A request and its answer; answering resumes reading (or closes the connection). */
  private static final class NettyCall implements HttpCall {
    private final ChannelHandlerContext ctx;
    private final String method;
    private final String path;
    private final String query;
    private final io.netty.handler.codec.http.HttpHeaders headers;
    private final byte[] body;
    private final boolean keepAlive;
    private final AtomicBoolean answered = new AtomicBoolean();
    private final io.netty.handler.codec.http.HttpHeaders responseHeaders =
        new io.netty.handler.codec.http.DefaultHttpHeaders();

    NettyCall(
        ChannelHandlerContext ctx,
        String method,
        String path,
        String query,
        FullHttpRequest req,
        byte[] body) {
      this.ctx = ctx;
      this.method = method;
      this.path = path;
      this.query = query;
      this.headers = req.headers().copy();
      this.body = body;
      this.keepAlive = HttpUtil.isKeepAlive(req);
    }

    @Override
    public String method() {
      return method;
    }

    @Override
    public String path() {
      return path;
    }

    @Override
    public String query() {
      return query;
    }

    @Override
    public String header(String name) {
      return headers.get(name);
    }

    @Override
    public byte[] body() {
      return body.clone();
    }

    @Override
    public void addResponseHeader(String name, String value) {
      responseHeaders.add(name, value);
    }

    @Override
    public void respond(int status, String contentType, byte[] content) {
      if (!answered.compareAndSet(false, true)) {
        throw new IllegalStateException("answered twice");
      }
      FullHttpResponse res =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.valueOf(status),
              Unpooled.wrappedBuffer(content));
      res.headers().add(responseHeaders);
      res.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
      res.headers().set(HttpHeaderNames.CONTENT_LENGTH, content.length);
      finish(res);
    }

    @Override
    public ChunkedResponse startChunked(int status, String contentType) {
      if (!answered.compareAndSet(false, true)) {
        throw new IllegalStateException("answered twice");
      }
      HttpResponse res =
          new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
      res.headers().add(responseHeaders);
      res.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
      res.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      ctx.writeAndFlush(res);
      return new ChunkedResponse() {
        @Override
        public void write(byte[] chunk) {
          ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk)));
        }

        @Override
        public void end() {
          ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
              .addListener(
                  f -> {
                    if (keepAlive) {
                      ctx.channel().config().setAutoRead(true);
                    } else {
                      ctx.close();
                    }
                  });
        }

        @Override
        public boolean isOpen() {
          return ctx.channel().isActive();
        }

        @Override
        public void onClose(Runnable action) {
          ctx.channel().closeFuture().addListener(f -> action.run());
        }
      };
    }

    private void finish(FullHttpResponse res) {
      if (keepAlive) {
        res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        ctx.writeAndFlush(res).addListener(f -> ctx.channel().config().setAutoRead(true));
      } else {
        res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
      }
    }
  }
}
