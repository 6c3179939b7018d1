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
 *   /synod.peer.v1.Peer/Forward  unary; request: u64 group, u32 kind, payload; response: the reply bytes.
 * </pre>
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
          .setType(MethodDescriptor.MethodType.UNARY)
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
  record ForwardRequest(long groupId, int kind, Bytes payload) {
    byte[] encode() {
      ByteBuffer out = ByteBuffer.allocate(12 + payload.size());
      out.putLong(groupId).putInt(kind);
      payload.writeTo(out);
      return out.array();
    }

    static ForwardRequest decode(byte[] data) {
      if (data.length < 12) {
        throw new IllegalArgumentException("truncated forward request");
      }
      ByteBuffer in = ByteBuffer.wrap(data);
      return new ForwardRequest(
          in.getLong(), in.getInt(), Bytes.copyOf(data, 12, data.length - 12));
    }
  }
}
