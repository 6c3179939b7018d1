package io.synod.server.etcd;

import io.synod.common.Bytes;
import io.synod.kv.KvCodec;
import io.synod.kv.KvCodecException;
import io.synod.kv.KvCommand;
import io.synod.kv.KvError;
import io.synod.kv.KvResponse;
import io.synod.kv.KvStateMachine;
import io.synod.raft.ConfChange;
import io.synod.raft.Entry;
import io.synod.raft.EntryType;
import io.synod.raft.SnapshotMeta;
import io.synod.raft.replica.StateMachine;
import io.synod.server.cluster.Alarm;
import io.synod.server.cluster.ClusterCommand;
import io.synod.server.cluster.ClusterTable;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * What an etcd member replicates: synod-kv's {@link KvStateMachine} and the {@link ClusterTable}
 * (members, removed ids, alarms). Entries go to one or the other: membership changes and {@link
 * ClusterCommand}s to the table, key-value commands to the store; while a NOSPACE alarm is raised
 * the writes that take space (puts, leases, txns that put) are answered {@code "etcdserver: mvcc:
 * database space exceeded"} instead (etcd's capped applier), identically on every replica since the
 * alarm is replicated state.
 *
 * <p>The snapshot image is {@code "SYNC"}, a format byte, the table's image (length-prefixed) and
 * the store's image.
 *
 * <p><b>Threads.</b> Confined to the replica loop's thread, like the state machines it holds.
 */
public final class EtcdStateMachine implements StateMachine {
  private static final Logger LOG = Logger.getLogger(EtcdStateMachine.class.getName());

  private static final byte[] MAGIC = {'S', 'Y', 'N', 'C'};
  private static final int FORMAT = 1;

  private final KvStateMachine kv;
  private final ClusterTable table = new ClusterTable();

  private volatile LongConsumer applyTimer;

  public EtcdStateMachine(KvStateMachine kv) {
    this.kv = kv;
  }

  public KvStateMachine kv() {
    return kv;
  }

  public ClusterTable table() {
    return table;
  }

  /**
   * Tells {@code listener} (on the loop thread; it must be quick) how many nanoseconds each entry's
   * apply took, for the apply latency metric. Safe from any thread.
   */
  public void timeApplies(LongConsumer listener) {
    applyTimer = listener;
  }

  @Override
  public Bytes apply(Entry entry) {
    LongConsumer timer = applyTimer;
    if (timer == null) {
      return applyEntry(entry);
    }
    long start = System.nanoTime();
    Bytes result = applyEntry(entry);
    timer.accept(System.nanoTime() - start);
    return result;
  }

  private Bytes applyEntry(Entry entry) {
    if (entry.type() == EntryType.CONF_CHANGE) {
      ConfChange change;
      try {
        change = ConfChange.decode(entry.data());
      } catch (IllegalArgumentException malformed) {
        // Raft skips it too.
        return kv.apply(entry);
      }
      table.applyConfChange(change);
      return kv.apply(entry);
    }
    if (ClusterCommand.isClusterCommand(entry.data())) {
      Bytes result = applyClusterCommand(entry.data());
      kv.apply(Entry.normal(entry.term(), entry.index(), Bytes.EMPTY));
      return result;
    }
    if (!entry.data().isEmpty() && table.hasAlarm(Alarm.Type.NOSPACE) && takesSpace(entry)) {
      kv.apply(Entry.normal(entry.term(), entry.index(), Bytes.EMPTY));
      return KvCodec.encode(new KvResponse.Error(KvError.NO_SPACE));
    }
    return kv.apply(entry);
  }

  private Bytes applyClusterCommand(Bytes data) {
    ClusterCommand command;
    try {
      command = ClusterCommand.decode(data);
    } catch (IllegalArgumentException malformed) {
      return Bytes.EMPTY;
    }
    return table.apply(command);
  }

  /** Whether the command in {@code entry} is one etcd's capped applier refuses. */
  private static boolean takesSpace(Entry entry) {
    KvCommand command;
    try {
      command = KvCodec.decodeCommand(entry.data());
    } catch (KvCodecException e) {
      return false; // the store answers it (or stops on an unknown format version)
    }
    return SpaceQuota.costBytes(command) > 0;
  }

  /** The KV store's estimate: the member table is a few hundred bytes. */
  @Override
  public long imageBytesEstimate() {
    return kv.imageBytesEstimate();
  }

  /** The image of the whole state. */
  @Override
  public Bytes snapshot() {
    return captureSnapshot().get();
  }

  /**
   * Captures the state on the replica loop, which waits meanwhile; the image is written by the
   * supplier, on the storage thread the log store writes the snapshot from. Both times are logged.
   */
  @Override
  public Supplier<Bytes> captureSnapshot() {
    long start = System.nanoTime();
    long revision = kv.revision();
    Supplier<Bytes> kvImage = kv.captureSnapshot(header(table.image()));
    double captureMillis = (System.nanoTime() - start) / 1e6;
    return () -> {
      long writeStart = System.nanoTime();
      Bytes image = kvImage.get();
      LOG.info(
          String.format(
              Locale.ROOT,
              "took a snapshot at revision %d: captured in %.1f ms on the loop, a %.1f MiB image built in"
                  + " %.0f ms off it",
              revision,
              captureMillis,
              image.size() / 1048576.0,
              (System.nanoTime() - writeStart) / 1e6));
      return image;
    };
  }

  @Override
  public void restore(SnapshotMeta meta, Bytes data) {
    if (data.isEmpty()) {
      table.restore(meta.confState(), Bytes.EMPTY);
      kv.restore(meta, Bytes.EMPTY);
      return;
    }
    Parts parts = split(data);
    table.restore(meta.confState(), parts.table);
    kv.restore(meta, parts.kv);
  }

  /** The two images of a snapshot: the cluster table's and the key-value store's. */
  record Parts(Bytes table, Bytes kv) {}

  /**
   * Splits {@link #snapshot()}'s image.
   *
   * @throws IllegalArgumentException if it is not one
   */
  static Parts split(Bytes data) {
    if (data.size() < MAGIC.length + 5 || !data.startsWith(Bytes.wrapOwned(MAGIC.clone()))) {
      throw new IllegalArgumentException("not a Synod state image");
    }
    ByteBuffer b = data.asReadOnlyBuffer();
    b.position(MAGIC.length);
    int format = b.get();
    if (format != FORMAT) {
      throw new IllegalArgumentException("unknown state image format " + format);
    }
    int tableBytes = b.getInt();
    int start = b.position();
    if (tableBytes < 0 || tableBytes > data.size() - start) {
      throw new IllegalArgumentException("bad cluster image length " + tableBytes);
    }
    return new Parts(
        data.slice(start, start + tableBytes), data.slice(start + tableBytes, data.size()));
  }

  /** Joins two images into one {@link #snapshot()} would take. */
  static Bytes join(Bytes tableImage, Bytes kvImage) {
    return header(tableImage).concat(kvImage);
  }

  /** What comes before the key-value image: the format and the cluster table's image. */
  private static Bytes header(Bytes tableImage) {
    ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 1 + 4 + tableImage.size());
    b.put(MAGIC).put((byte) FORMAT).putInt(tableImage.size());
    tableImage.writeTo(b);
    return Bytes.wrapOwned(b.array());
  }
}
