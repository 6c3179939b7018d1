package io.synod.server.cluster;

import io.synod.common.Bytes;
import java.util.ArrayList;
import java.util.List;

/**
 * A change of the replicated cluster state that is not a membership change: it goes through the
 * Raft log as a normal entry, marked by its first byte {@link #TAG} (the key-value commands start
 * with their format version, a small number, so the two never meet). Immutable.
 */
public sealed interface ClusterCommand {
  /** The first byte of every encoded cluster command. */
  int TAG = 0xC1;

  /** A started member publishes its name and client URLs (etcd's {@code publish}). */
  record Publish(long memberId, String name, List<String> clientUrls) implements ClusterCommand {
    public Publish {
      clientUrls = List.copyOf(clientUrls);
    }
  }

  /** etcd's AlarmRequest ACTIVATE or DEACTIVATE of {@code alarm} for its member. */
  record AlarmChange(boolean activate, Alarm alarm) implements ClusterCommand {}

  /** Whether {@code data} (a normal entry's payload) is a cluster command. */
  static boolean isClusterCommand(Bytes data) {
    return !data.isEmpty() && (data.byteAt(0) & 0xFF) == TAG;
  }

  static Bytes encode(ClusterCommand command) {
    Wire.Writer w = new Wire.Writer().writeByte(TAG);
    if (command instanceof Publish p) {
      w.writeByte(1).writeLong(p.memberId()).writeString(p.name()).writeStrings(p.clientUrls());
    } else {
      AlarmChange a = (AlarmChange) command;
      w.writeByte(2).writeBoolean(a.activate()).writeLong(a.alarm().memberId());
      w.writeByte(a.alarm().type().number());
    }
    return w.toBytes();
  }

  /**
   * Decodes {@link #encode}.
   *
   * @throws IllegalArgumentException if {@code data} is not a well-formed command
   */
  static ClusterCommand decode(Bytes data) {
    Wire.Reader r = new Wire.Reader(data);
    if (r.readByte() != TAG) {
      throw new IllegalArgumentException("not a cluster command");
    }
    ClusterCommand c =
        switch (r.readByte()) {
          case 1 -> new Publish(r.readLong(), r.readString(), r.readStrings());
          case 2 ->
              new AlarmChange(
                  r.readBoolean(), new Alarm(r.readLong(), Alarm.Type.of(r.readByte())));
          default -> throw new IllegalArgumentException("unknown cluster command");
        };
    r.expectEnd();
    return c;
  }

  /** The alarms an AlarmChange changed (etcd's AlarmResponse), as the proposer gets them back. */
  static Bytes encodeAlarms(List<Alarm> alarms) {
    Wire.Writer w = new Wire.Writer().writeInt(alarms.size());
    for (Alarm a : alarms) {
      w.writeLong(a.memberId()).writeByte(a.type().number());
    }
    return w.toBytes();
  }

  /**
   * Decodes {@link #encodeAlarms}.
   *
   * @throws IllegalArgumentException if malformed
   */
  static List<Alarm> decodeAlarms(Bytes data) {
    Wire.Reader r = new Wire.Reader(data);
    int n = r.readCount(9);
    List<Alarm> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new Alarm(r.readLong(), Alarm.Type.of(r.readByte())));
    }
    r.expectEnd();
    return out;
  }
}
