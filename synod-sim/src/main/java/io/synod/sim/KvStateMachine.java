package io.synod.sim;

import io.synod.common.Bytes;
import io.synod.raft.Entry;
import io.synod.raft.EntryType;
import io.synod.raft.SnapshotMeta;
import io.synod.raft.replica.StateMachine;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The simulator's replicated application: string registers with put and compare-and-set, plus one
 * session per client for exactly-once application of retried commands (Raft thesis §6.3). A
 * duplicate of the client's latest command returns the recorded result; an older one is ignored.
 *
 * <p>Deterministic; confined to the simulation thread.
 */
final class KvStateMachine implements StateMachine {
  static final Bytes OK = Bytes.wrapOwned(new byte[] {1});
  static final Bytes FAILED = Bytes.wrapOwned(new byte[] {0});

  private record Session(long seq, Bytes result) {}

  private final TreeMap<String, String> data = new TreeMap<>();
  private final TreeMap<Integer, Session> sessions = new TreeMap<>();
  private long appliedIndex;

  @Override
  public Bytes apply(Entry entry) {
    appliedIndex = entry.index();
    if (entry.type() != EntryType.NORMAL || entry.data().isEmpty()) {
      return Bytes.EMPTY;
    }
    KvCommand c = KvCommand.decode(entry.data());
    Session s = sessions.get(c.clientId());
    if (s != null && c.seq() <= s.seq()) {
      return c.seq() == s.seq() ? s.result() : FAILED;
    }
    Bytes result;
    if (c.kind() == KvCommand.Kind.PUT) {
      data.put(c.key(), c.value());
      result = OK;
    } else {
      Optional<String> current = Optional.ofNullable(data.get(c.key()));
      boolean matches = current.equals(c.expected());
      if (matches) {
        data.put(c.key(), c.value());
      }
      result = matches ? OK : FAILED;
    }
    sessions.put(c.clientId(), new Session(c.seq(), result));
    return result;
  }

  Optional<String> get(String key) {
    return Optional.ofNullable(data.get(key));
  }

  long appliedIndex() {
    return appliedIndex;
  }

  /**
   * A hash of the whole state; equal states at equal indexes must hash equally on every replica.
   */
  long stateHash() {
    long h = 0x9E3779B97F4A7C15L;
    for (Map.Entry<String, String> e : data.entrySet()) {
      h = TraceHash.mix(h ^ e.getKey().hashCode());
      h = TraceHash.mix(h ^ e.getValue().hashCode());
    }
    for (Map.Entry<Integer, Session> e : sessions.entrySet()) {
      h = TraceHash.mix(h ^ e.getKey());
      h = TraceHash.mix(h ^ e.getValue().seq());
    }
    return h;
  }

  @Override
  public Bytes snapshot() {
    ByteBuffer buf = ByteBuffer.allocate(sizeBytes());
    buf.putInt(data.size());
    data.forEach(
        (k, v) -> {
          putString(buf, k);
          putString(buf, v);
        });
    buf.putInt(sessions.size());
    sessions.forEach(
        (client, s) -> {
          buf.putInt(client).putLong(s.seq()).put(s.result().byteAt(0));
        });
    return Bytes.wrapOwned(buf.array());
  }

  private int sizeBytes() {
    int n = 8 + sessions.size() * 13;
    for (Map.Entry<String, String> e : data.entrySet()) {
      n += 8 + utf8Length(e.getKey()) + utf8Length(e.getValue());
    }
    return n;
  }

  @Override
  public void restore(SnapshotMeta meta, Bytes image) {
    data.clear();
    sessions.clear();
    appliedIndex = meta.index();
    if (image.isEmpty()) {
      return;
    }
    ByteBuffer buf = image.asReadOnlyBuffer();
    int keys = buf.getInt();
    for (int i = 0; i < keys; i++) {
      data.put(getString(buf), getString(buf));
    }
    int clients = buf.getInt();
    for (int i = 0; i < clients; i++) {
      int client = buf.getInt();
      long seq = buf.getLong();
      byte result = buf.get();
      sessions.put(client, new Session(seq, result == 1 ? OK : FAILED));
    }
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  private static void putString(ByteBuffer buf, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    buf.putInt(b.length).put(b);
  }

  private static String getString(ByteBuffer buf) {
    byte[] b = new byte[buf.getInt()];
    buf.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
