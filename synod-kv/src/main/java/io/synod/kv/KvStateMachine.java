package io.synod.kv;

import io.synod.common.Assert;
import io.synod.common.Bytes;
import io.synod.raft.Entry;
import io.synod.raft.EntryType;
import io.synod.raft.SnapshotMeta;
import io.synod.raft.replica.StateMachine;
import java.util.function.Supplier;
import java.util.zip.CRC32C;

/**
 * The replicated key-value state machine with etcd v3 semantics: an {@link MvccStore}, a {@link
 * LeaseTable} and a {@link WatchHub}, driven by the Raft log.
 *
 * <ul>
 *   <li>Writes: {@link #apply(Entry)} decodes a {@link KvCommand} from a NORMAL entry (see {@link
 *       KvCodec}), applies it and returns the encoded {@link KvResponse} (failures are {@link
 *       KvResponse.Error} values); empty entries and membership changes return empty bytes. Then it
 *       offers the new revision to synced watchers.
 *   <li>Reads: {@link #range(RangeRequest)} at the current or a historical revision, after the loop
 *       has confirmed the read index (linearizable) or at once (serializable).
 *   <li>{@link #snapshot()} and {@link #restore} move the whole state (revisions, histories, log,
 *       leases) as one deterministic image.
 * </ul>
 *
 * <p>Apply is a pure function of the state and the entry (the entry index picks lease ids), so
 * every replica reaches the same state, responses and events.
 *
 * <p><b>Threads.</b> Confined to the replica loop's thread, readers included. Not thread-safe.
 */
public final class KvStateMachine implements StateMachine {
  private final KvConfig config;
  private final MvccStore store = new MvccStore();
  private final LeaseTable leases = new LeaseTable();
  private final WatchHub hub;
  private final Applier applier;
  private long appliedIndex;

  public KvStateMachine(KvConfig config) {
    this.config = config;
    this.hub = new WatchHub(store, config.watch(), config.has(KvPlantedBug.WATCH_SKIPS_COMPACTED));
    this.applier =
        new Applier(
            store,
            leases,
            config.minLeaseTtlSeconds(),
            config.has(KvPlantedBug.REVOKE_KEEPS_LAST_KEY));
  }

  public KvConfig config() {
    return config;
  }

  /**
   * Applies a committed entry. A command in a format version this build does not know stops the
   * replica (an {@link AssertionError}): applying it differently from newer replicas would fork the
   * state. A malformed command in a known version is answered with {@code MALFORMED_COMMAND}.
   */
  @Override
  public Bytes apply(Entry entry) {
    appliedIndex = entry.index();
    if (entry.type() != EntryType.NORMAL || entry.data().isEmpty()) {
      return Bytes.EMPTY;
    }
    KvCommand command;
    try {
      command = KvCodec.decodeCommand(entry.data());
    } catch (KvCodecException e) {
      if (e.unsupportedVersion()) {
        throw Assert.fail("entry %d: %s; upgrade this replica", entry.index(), e.getMessage());
      }
      return KvCodec.encode(new KvResponse.Error(KvError.MALFORMED_COMMAND));
    }
    return KvCodec.encode(applyCommand(command, entry.index()));
  }

  /**
   * Applies a decoded command as if committed at log {@code index} (what {@link #apply} does after
   * decoding), then delivers the new revision to synced watchers.
   */
  public KvResponse applyCommand(KvCommand command, long index) {
    appliedIndex = Math.max(appliedIndex, index);
    KvResponse response = applier.apply(command, index);
    hub.onApplied();
    return response;
  }

  /** Serves a Range (etcd's rules; see {@link RangeQuery}); an empty key is KEY_NOT_PROVIDED. */
  public KvResponse range(RangeRequest request) {
    if (request.key().isEmpty()) {
      return new KvResponse.Error(KvError.KEY_NOT_PROVIDED);
    }
    return store.range(request);
  }

  /**
   * Serves a Txn that writes nothing ({@link RequestValidator#isReadOnly}) like a read, outside the
   * log, as etcd does: its compares and ranges see the current revision, and nothing changes (the
   * revision does not advance, no watcher hears of it).
   *
   * @throws IllegalArgumentException if {@code txn} has a put or a delete in any branch
   */
  public KvResponse readOnlyTxn(KvCommand.Txn txn) {
    if (!RequestValidator.isReadOnly(txn)) {
      throw new IllegalArgumentException("not a read-only txn");
    }
    KvResponse response = applier.apply(txn, appliedIndex);
    Assert.that(
        response instanceof KvResponse.Error
            || ((KvResponse.Txn) response).revision() == revision(),
        "a read-only txn changed the revision");
    return response;
  }

  /**
   * etcd's HashKV: a CRC32C of every live key-value (key, create, mod, version, lease, value, in
   * key order) as of {@code revision} (0 = current). It depends only on that view, so replicas
   * agree whatever their compaction point. Errors as etcd: {@code 0 < revision <= compact revision}
   * is COMPACTED, above the current revision FUTURE_REVISION.
   */
  public KvResponse hashKv(long revision) {
    if (revision > 0 && revision <= store.compactRevision()) {
      return new KvResponse.Error(KvError.COMPACTED);
    }
    if (revision > store.revision()) {
      return new KvResponse.Error(KvError.FUTURE_REVISION);
    }
    long at = revision == 0 ? store.revision() : revision;
    ByteWriter w = new ByteWriter(64 * 1024);
    CRC32C crc = new CRC32C();
    for (Version head : store.index().values()) {
      Version v = head.liveAt(at);
      if (v != null) {
        w.writeBytes(v.key).writeSigned(v.createRevision).writeSigned(v.modRevision);
        w.writeSigned(v.version).writeSigned(v.lease).writeBytes(v.value);
        if (w.size() >= 32 * 1024) {
          w.drainTo(crc);
        }
      }
    }
    w.drainTo(crc);
    return new KvResponse.HashKv(store.revision(), crc.getValue(), store.compactRevision());
  }

  /** What {@link #footprintBytes()} counts for each version beyond its key and value. */
  public static final int VERSION_OVERHEAD_BYTES = MvccStore.VERSION_OVERHEAD_BYTES;

  /** What {@link #footprintBytes()} counts for each lease. */
  public static final int LEASE_OVERHEAD_BYTES = 64;

  /**
   * An estimate of the space the state takes, for etcd's backend quota and {@code dbSize}: every
   * version still held (live, historical and tombstones not yet compacted away) counts its key, its
   * value and {@link #VERSION_OVERHEAD_BYTES}; every lease {@link #LEASE_OVERHEAD_BYTES}. It
   * shrinks when a compaction drops history. O(1): the store keeps its count as it changes.
   */
  public long footprintBytes() {
    return store.storedBytes() + (long) leases.size() * LEASE_OVERHEAD_BYTES;
  }

  /**
   * {@link #footprintBytes()}: a little above the image's size (an image spends a few bytes of
   * numbers on each version, not {@link #VERSION_OVERHEAD_BYTES}), and O(1).
   */
  @Override
  public long imageBytesEstimate() {
    return footprintBytes();
  }

  /** A 64-bit hash of the whole state (the snapshot image), for the simulator's checks. */
  public long stateHash() {
    Bytes image = snapshot();
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < image.size(); i++) {
      h = (h ^ (image.byteAt(i) & 0xFF)) * 0x100000001b3L;
    }
    return h;
  }

  @Override
  public Bytes snapshot() {
    return StoreImage.write(store, leases);
  }

  /**
   * {@link #snapshot()}'s image after {@code prefix}, in one buffer: for a caller that puts its own
   * header in front, without copying the image again.
   */
  public Bytes snapshot(Bytes prefix) {
    return StoreImage.write(store, leases, prefix);
  }

  /**
   * Captures the state for {@link #snapshot()}'s image, written later by the supplier (on any
   * thread; see {@link StateMachine#captureSnapshot()}). The capture copies references to the
   * revisions held, not their bytes.
   */
  @Override
  public Supplier<Bytes> captureSnapshot() {
    return captureSnapshot(Bytes.EMPTY);
  }

  /**
   * {@link #captureSnapshot()} with {@code prefix} before the image, as {@link #snapshot(Bytes)}.
   */
  public Supplier<Bytes> captureSnapshot(Bytes prefix) {
    return StoreImage.capture(store, leases, prefix)::write;
  }

  /**
   * Replaces the state with {@code data} ({@link #snapshot()}'s image; empty for the initial
   * state). The lease keeper, if any, rebuilds its deadlines; watchers that missed revisions catch
   * up from the new log, or are canceled if it was compacted past them. A corrupt image throws
   * {@link KvCodecException}.
   */
  @Override
  public void restore(SnapshotMeta meta, Bytes data) {
    appliedIndex = meta.index();
    if (data.isEmpty()) {
      store.resetForRestore(1, MvccStore.NEVER_COMPACTED, 2);
      leases.clear();
    } else {
      StoreImage.read(data, store, leases);
    }
    leases.observer().reset();
    hub.onRestored();
  }

  public long revision() {
    return store.revision();
  }

  /** The compaction point, -1 if never compacted (etcd reports the same). */
  public long compactRevision() {
    return store.compactRevision();
  }

  /** Keys with a history: live, or deleted and not yet compacted away (etcd's keys_total). */
  public int keyCount() {
    return store.indexedKeyCount();
  }

  public long appliedIndex() {
    return appliedIndex;
  }

  public WatchHub watchHub() {
    return hub;
  }

  public LeaseTable leases() {
    return leases;
  }

  MvccStore store() {
    return store;
  }
}
