package io.synod.sim;

import io.synod.common.Bytes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A write to the simulated key-value register store, as carried in a log entry. {@code clientId}
 * and {@code seq} identify it for exactly-once application (Raft thesis §6.3): a client retries a
 * command under the same sequence number, and the state machine applies it only once.
 *
 * @param expected for a compare-and-set, the value the key must hold (empty: the key must be
 *     absent)
 */
record KvCommand(
    Kind kind, int clientId, long seq, String key, String value, Optional<String> expected) {

  enum Kind {
    PUT,
    CAS
  }

  static KvCommand put(int clientId, long seq, String key, String value) {
    return new KvCommand(Kind.PUT, clientId, seq, key, value, Optional.empty());
  }

  static KvCommand cas(
      int clientId, long seq, String key, Optional<String> expected, String value) {
    return new KvCommand(Kind.CAS, clientId, seq, key, value, expected);
  }

  Bytes encode() {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    byte[] v = value.getBytes(StandardCharsets.UTF_8);
    byte[] x = expected.orElse("").getBytes(StandardCharsets.UTF_8);
    ByteBuffer buf = ByteBuffer.allocate(1 + 4 + 8 + 1 + 3 * 4 + k.length + v.length + x.length);
    buf.put((byte) kind.ordinal()).putInt(clientId).putLong(seq);
    buf.put((byte) (expected.isPresent() ? 1 : 0));
    buf.putInt(k.length).put(k).putInt(v.length).put(v).putInt(x.length).put(x);
    return Bytes.wrapOwned(buf.array());
  }

  static KvCommand decode(Bytes data) {
    ByteBuffer buf = data.asReadOnlyBuffer();
    Kind kind = Kind.values()[buf.get()];
    int clientId = buf.getInt();
    long seq = buf.getLong();
    boolean hasExpected = buf.get() == 1;
    String key = string(buf);
    String value = string(buf);
    String expected = string(buf);
    return new KvCommand(
        kind, clientId, seq, key, value, hasExpected ? Optional.of(expected) : Optional.empty());
  }

  private static String string(ByteBuffer buf) {
    byte[] b = new byte[buf.getInt()];
    buf.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
