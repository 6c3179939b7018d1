package io.synod.server;

import io.synod.common.Bytes;
import io.synod.raft.Entry;
import io.synod.raft.EntryType;
import io.synod.raft.SnapshotMeta;
import io.synod.raft.replica.StateMachine;
import java.nio.ByteBuffer;

/** A test application: adds each command (8 bytes, big-endian) to a sum; returns the new sum. */
public final class CounterStateMachine implements StateMachine {
  private long sum;
  private long commands;

  public static Bytes add(long delta) {
    return Bytes.wrapOwned(ByteBuffer.allocate(8).putLong(delta).array());
  }

  public static long decode(Bytes b) {
    return b.asReadOnlyBuffer().getLong();
  }

  @Override
  public Bytes apply(Entry entry) {
    if (entry.type() != EntryType.NORMAL || entry.data().size() != 8) {
      return Bytes.EMPTY;
    }
    sum += decode(entry.data());
    commands++;
    return add(sum);
  }

  public long sum() {
    return sum;
  }

  public long commands() {
    return commands;
  }

  @Override
  public Bytes snapshot() {
    return Bytes.wrapOwned(ByteBuffer.allocate(16).putLong(sum).putLong(commands).array());
  }

  @Override
  public void restore(SnapshotMeta meta, Bytes data) {
    if (data.isEmpty()) {
      sum = 0;
      commands = 0;
      return;
    }
    ByteBuffer b = data.asReadOnlyBuffer();
    sum = b.getLong();
    commands = b.getLong();
  }
}
