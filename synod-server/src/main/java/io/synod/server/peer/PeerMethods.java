package io.synod.server.peer;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.synod.common.Bytes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The peer protocol: gRPC methods whose messages are raw bytes (no .proto), framed here.
 *
 * <pre>
 *   /synod.peer.v1.Peer/Raft     bidi stream; each request message is a batch of RaftCodec envelopes:
 *                                u32 count, then count × (u32 length, bytes). No responses.
 *   /synod.peer.v1.Peer/Forward  bidi stream of forward calls, answered in any order:
 *                                request: u64 call id, u64 group, u32 kind, payload;
 *                                response: u64 call id, u32 gRPC status code (0: OK), then the reply
 *                                bytes, or the error's description in UTF-8.
 * </pre>
 *
 * <p>Forward calls share one stream per peer rather than one unary call each: a unary call costs an
 * HTTP/2 stream, two header blocks, trailers and a deadline timer on both sides, and two thirds of
 * a 3-member cluster's writes are forwarded.
 */
final class PeerMethods {
  static final String SERVICE = "synod.peer.v1.Peer";

  /** Batches are cut at this many bytes (a single larger envelope still goes alone). */
  static final int BATCH_BYTES_MAX = 4 << 20;

  /** The largest peer message accepted: a batch, or a snapshot chunk with room to spare. */
  static final int MESSAGE_BYTES_MAX = 64 << 20;

  private static final int BATCH_COUNT_MAX = 1 << 20;

  /**
   * Raw bytes both ways, without gRPC's per-message copy buffers: an outgoing message drains itself
   * into gRPC's frames ({@link Drainable}) and an incoming one is read into an array of its known
   * length. A plain {@code ByteArrayInputStream} and {@code readAllBytes} cost an 8 KiB and a 16
   * KiB buffer per message; the profile of a leader under put-64 showed them as half of all it
   * allocated.
   */
  static final MethodDescriptor.Marshaller<byte[]> RAW =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new RawStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            if (!(stream instanceof KnownLength)) {
              return stream.readAllBytes();
            }
            int length = stream.available();
            byte[] message = new byte[length];
            if (stream.readNBytes(message, 0, length) != length || stream.read() != -1) {
              throw new IOException("a peer message is not of its known length " + length);
            }
            return message;
          } catch (IOException e) {
            throw Status.INTERNAL
                .withDescription("reading a peer message")
                .withCause(e)
                .asRuntimeException();
          }
        }
      };

  /** A message's bytes, which gRPC may take whole rather than copy through a buffer. */
  static final class RawStream extends ByteArrayInputStream implements KnownLength, Drainable {
    RawStream(byte[] message) {
      super(message);
    }

    @Override
    public synchronized int drainTo(OutputStream target) throws IOException {
      int n = count - pos;
      target.write(buf, pos, n);
      pos = count;
      return n;
    }
  }

  static final MethodDescriptor<byte[], byte[]> RAFT =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Raft"))
          .setRequestMarshaller(RAW)
          .setResponseMarshaller(RAW)
          .build();

  static final MethodDescriptor<byte[], byte[]> FORWARD =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Forward"))
          .setRequestMarshaller(RAW)
          .setResponseMarshaller(RAW)
          .build();

  private PeerMethods() {}

  static byte[] encodeBatch(List<Bytes> items) {
    int size = 4;
    for (Bytes b : items) {
      size += 4 + b.size();
    }
    ByteBuffer out = ByteBuffer.allocate(size);
    out.putInt(items.size());
    for (Bytes b : items) {
      out.putInt(b.size());
      b.writeTo(out);
    }
    return out.array();
  }

  /**
   * @throws IllegalArgumentException if {@code frame} is not a well-formed batch
   */
  static List<Bytes> decodeBatch(byte[] frame) {
    try {
      ByteBuffer in = ByteBuffer.wrap(frame);
      int n = in.getInt();
      if (n < 0 || n > BATCH_COUNT_MAX) {
        throw new IllegalArgumentException("bad batch count " + n);
      }
      List<Bytes> out = new ArrayList<>(Math.min(n, 1024));
      for (int i = 0; i < n; i++) {
        int len = in.getInt();
        if (len < 0 || len > in.remaining()) {
          throw new IllegalArgumentException("bad item length " + len);
        }
        out.add(Bytes.copyOf(frame, in.position(), len));
        in.position(in.position() + len);
      }
      if (in.hasRemaining()) {
        throw new IllegalArgumentException(in.remaining() + " trailing bytes");
      }
      return out;
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("truncated batch", e);
    }
  }

  /** A forward request. */
  record ForwardRequest(long groupId, int kind, Bytes payload) {}

  /** A forward call on the stream: {@code callId} pairs it with its reply. */
  record ForwardCall(long callId, ForwardRequest request) {
    private static final int HEADER_BYTES = 20;

    byte[] encode() {
      ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + request.payload().size());
      out.putLong(callId).putLong(request.groupId()).putInt(request.kind());
      request.payload().writeTo(out);
      return out.array();
    }

    /**
     * @throws IllegalArgumentException if {@code frame} is too short to be a call
     */
    static ForwardCall decode(byte[] frame) {
      if (frame.length < HEADER_BYTES) {
        throw new IllegalArgumentException("truncated forward call");
      }
      ByteBuffer in = ByteBuffer.wrap(frame);
      return new ForwardCall(
          in.getLong(),
          new ForwardRequest(
              in.getLong(),
              in.getInt(),
              Bytes.copyOf(frame, HEADER_BYTES, frame.length - HEADER_BYTES)));
    }
  }

  /**
   * The answer to forward call {@code callId}: {@code body} is the reply if {@code code} is OK,
   * else the error's description.
   */
  record ForwardReply(long callId, Status.Code code, Bytes body) {
    private static final int HEADER_BYTES = 12;

    static ForwardReply ok(long callId, Bytes reply) {
      return new ForwardReply(callId, Status.Code.OK, reply);
    }

    static ForwardReply error(long callId, Status status) {
      String description = status.getDescription();
      return new ForwardReply(
          callId, status.getCode(), Bytes.utf8(description == null ? "" : description));
    }

    byte[] encode() {
      ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + body.size());
      out.putLong(callId).putInt(code.value());
      body.writeTo(out);
      return out.array();
    }

    /**
     * @throws IllegalArgumentException if {@code frame} is not a reply
     */
    static ForwardReply decode(byte[] frame) {
      if (frame.length < HEADER_BYTES) {
        throw new IllegalArgumentException("truncated forward reply");
      }
      ByteBuffer in = ByteBuffer.wrap(frame);
      long callId = in.getLong();
      int code = in.getInt();
      Status.Code c = Status.fromCodeValue(code).getCode();
      if (c.value() != code) {
        throw new IllegalArgumentException("bad status code " + code);
      }
      return new ForwardReply(
          callId, c, Bytes.copyOf(frame, HEADER_BYTES, frame.length - HEADER_BYTES));
    }

    /** The reply, or the error it carries. */
    Bytes replyOrThrow() {
      if (code != Status.Code.OK) {
        throw Status.fromCode(code).withDescription(body.toStringUtf8()).asRuntimeException();
      }
      return body;
    }
  }
}
