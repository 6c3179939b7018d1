package io.synod.kv;

import io.synod.common.Bytes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The binary encoding of {@link KvCommand}s (what goes into the Raft log) and {@link KvResponse}s
 * (what {@code Outcome.Applied} carries back to the proposer). Deterministic: equal values give
 * equal bytes. Each encoding starts with a format version byte, then a tag, then the fields (zigzag
 * varints for numbers, length-prefixed byte strings, one byte per enum and flag).
 *
 * <p>Decoding is total: anything but a complete, valid encoding throws {@link KvCodecException}
 * (never a partial value). Txn nesting deeper than {@link #MAX_DEPTH} is rejected.
 *
 * <p>Stateless; safe to use from any thread.
 */
public final class KvCodec {
  /** The format version this build writes and reads. */
  public static final int VERSION = 1;

  /** Deepest Txn nesting accepted (etcd's op budget allows at most 128 levels). */
  public static final int MAX_DEPTH = 256;

  private static final int CMD_PUT = 1;
  private static final int CMD_DELETE_RANGE = 2;
  private static final int CMD_TXN = 3;
  private static final int CMD_COMPACT = 4;
  private static final int CMD_LEASE_GRANT = 5;
  private static final int CMD_LEASE_REVOKE = 6;
  private static final int CMD_LEASE_CHECKPOINT = 7;

  private static final int OP_RANGE = 1;
  private static final int OP_PUT = 2;
  private static final int OP_DELETE_RANGE = 3;
  private static final int OP_TXN = 4;

  private static final int RESP_RANGE = 1;
  private static final int RESP_PUT = 2;
  private static final int RESP_DELETE_RANGE = 3;
  private static final int RESP_TXN = 4;
  private static final int RESP_COMPACT = 5;
  private static final int RESP_LEASE_GRANT = 6;
  private static final int RESP_LEASE_REVOKE = 7;
  private static final int RESP_LEASE_CHECKPOINT = 8;
  private static final int RESP_ERROR = 9;
  private static final int RESP_HASH_KV = 10;

  private KvCodec() {}

  // ---------------------------------------------------------------------------------------------
  // Commands

  public static Bytes encode(KvCommand command) {
    ByteWriter w = new ByteWriter(64);
    w.writeByte(VERSION);
    writeCommand(w, command);
    return w.toBytes();
  }

  /** Decodes a command; throws {@link KvCodecException} unless {@code data} is exactly one. */
  public static KvCommand decodeCommand(Bytes data) {
    ByteReader r = new ByteReader(data);
    readVersion(r);
    KvCommand c = readCommand(r);
    r.expectEnd();
    return c;
  }

  private static void writeCommand(ByteWriter w, KvCommand command) {
    if (command instanceof KvCommand.Put p) {
      writePut(w.writeByte(CMD_PUT), p);
    } else if (command instanceof KvCommand.DeleteRange d) {
      writeDelete(w.writeByte(CMD_DELETE_RANGE), d);
    } else if (command instanceof KvCommand.Txn t) {
      writeTxn(w.writeByte(CMD_TXN), t);
    } else if (command instanceof KvCommand.Compact c) {
      w.writeByte(CMD_COMPACT).writeSigned(c.revision()).writeBoolean(c.physical());
    } else if (command instanceof KvCommand.LeaseGrant g) {
      w.writeByte(CMD_LEASE_GRANT).writeSigned(g.ttlSeconds()).writeSigned(g.id());
    } else if (command instanceof KvCommand.LeaseRevoke r) {
      w.writeByte(CMD_LEASE_REVOKE).writeSigned(r.id());
    } else {
      KvCommand.LeaseCheckpoint cp = (KvCommand.LeaseCheckpoint) command;
      w.writeByte(CMD_LEASE_CHECKPOINT).writeUnsigned(cp.checkpoints().size());
      for (KvCommand.Checkpoint c : cp.checkpoints()) {
        w.writeSigned(c.id()).writeSigned(c.remainingTtlMillis());
      }
    }
  }

  private static KvCommand readCommand(ByteReader r) {
    int tag = r.readByte();
    switch (tag) {
      case CMD_PUT:
        return readPut(r);
      case CMD_DELETE_RANGE:
        return readDelete(r);
      case CMD_TXN:
        return readTxn(r, 0);
      case CMD_COMPACT:
        return new KvCommand.Compact(r.readSigned(), r.readBoolean());
      case CMD_LEASE_GRANT:
        return new KvCommand.LeaseGrant(r.readSigned(), r.readSigned());
      case CMD_LEASE_REVOKE:
        return new KvCommand.LeaseRevoke(r.readSigned());
      case CMD_LEASE_CHECKPOINT:
        int n = r.readCount(2);
        List<KvCommand.Checkpoint> cps = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          cps.add(new KvCommand.Checkpoint(r.readSigned(), r.readSigned()));
        }
        return new KvCommand.LeaseCheckpoint(cps);
      default:
        throw new KvCodecException("unknown command tag " + tag);
    }
  }

  private static void writePut(ByteWriter w, KvCommand.Put p) {
    int flags = (p.prevKv() ? 1 : 0) | (p.ignoreValue() ? 2 : 0) | (p.ignoreLease() ? 4 : 0);
    w.writeBytes(p.key()).writeBytes(p.value()).writeSigned(p.lease()).writeByte(flags);
  }

  private static KvCommand.Put readPut(ByteReader r) {
    Bytes key = r.readBytes();
    Bytes value = r.readBytes();
    long lease = r.readSigned();
    int flags = readFlags(r, 3);
    return new KvCommand.Put(
        key, value, lease, (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0);
  }

  private static void writeDelete(ByteWriter w, KvCommand.DeleteRange d) {
    w.writeBytes(d.key()).writeBytes(d.rangeEnd()).writeBoolean(d.prevKv());
  }

  private static KvCommand.DeleteRange readDelete(ByteReader r) {
    return new KvCommand.DeleteRange(r.readBytes(), r.readBytes(), r.readBoolean());
  }

  private static void writeTxn(ByteWriter w, KvCommand.Txn t) {
    w.writeUnsigned(t.compares().size());
    for (Compare c : t.compares()) {
      w.writeByte(c.result().ordinal()).writeByte(c.target().ordinal());
      w.writeBytes(c.key()).writeBytes(c.rangeEnd()).writeSigned(c.number()).writeBytes(c.value());
    }
    writeOps(w, t.success());
    writeOps(w, t.failure());
  }

  private static KvCommand.Txn readTxn(ByteReader r, int depth) {
    if (depth > MAX_DEPTH) {
      throw new KvCodecException("txn nested deeper than " + MAX_DEPTH);
    }
    int n = r.readCount(6);
    List<Compare> compares = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Compare.Result result = r.readEnum(Compare.Result.values());
      Compare.Target target = r.readEnum(Compare.Target.values());
      compares.add(
          new Compare(result, target, r.readBytes(), r.readBytes(), r.readSigned(), r.readBytes()));
    }
    List<RequestOp> success = readOps(r, depth);
    List<RequestOp> failure = readOps(r, depth);
    return new KvCommand.Txn(compares, success, failure);
  }

  private static void writeOps(ByteWriter w, List<RequestOp> ops) {
    w.writeUnsigned(ops.size());
    for (RequestOp op : ops) {
      if (op instanceof RequestOp.Range range) {
        writeRange(w.writeByte(OP_RANGE), range.request());
      } else if (op instanceof RequestOp.Put p) {
        writePut(w.writeByte(OP_PUT), p.request());
      } else if (op instanceof RequestOp.DeleteRange d) {
        writeDelete(w.writeByte(OP_DELETE_RANGE), d.request());
      } else {
        writeTxn(w.writeByte(OP_TXN), ((RequestOp.Txn) op).request());
      }
    }
  }

  private static List<RequestOp> readOps(ByteReader r, int depth) {
    int n = r.readCount(2);
    List<RequestOp> ops = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int tag = r.readByte();
      ops.add(
          switch (tag) {
            case OP_RANGE -> new RequestOp.Range(readRange(r));
            case OP_PUT -> new RequestOp.Put(readPut(r));
            case OP_DELETE_RANGE -> new RequestOp.DeleteRange(readDelete(r));
            case OP_TXN -> new RequestOp.Txn(readTxn(r, depth + 1));
            default -> throw new KvCodecException("unknown txn op tag " + tag);
          });
    }
    return ops;
  }

  private static void writeRange(ByteWriter w, RangeRequest q) {
    int flags = (q.serializable() ? 1 : 0) | (q.keysOnly() ? 2 : 0) | (q.countOnly() ? 4 : 0);
    w.writeBytes(q.key()).writeBytes(q.rangeEnd()).writeSigned(q.limit()).writeSigned(q.revision());
    w.writeByte(q.sortOrder().ordinal()).writeByte(q.sortTarget().ordinal()).writeByte(flags);
    w.writeSigned(q.minModRevision()).writeSigned(q.maxModRevision());
    w.writeSigned(q.minCreateRevision()).writeSigned(q.maxCreateRevision());
  }

  private static RangeRequest readRange(ByteReader r) {
    Bytes key = r.readBytes();
    Bytes end = r.readBytes();
    long limit = r.readSigned();
    long revision = r.readSigned();
    RangeRequest.SortOrder order = r.readEnum(RangeRequest.SortOrder.values());
    RangeRequest.SortTarget target = r.readEnum(RangeRequest.SortTarget.values());
    int flags = readFlags(r, 3);
    return new RangeRequest(
        key,
        end,
        limit,
        revision,
        order,
        target,
        (flags & 1) != 0,
        (flags & 2) != 0,
        (flags & 4) != 0,
        r.readSigned(),
        r.readSigned(),
        r.readSigned(),
        r.readSigned());
  }

  // ---------------------------------------------------------------------------------------------
  // Responses

  public static Bytes encode(KvResponse response) {
    ByteWriter w = new ByteWriter(64);
    w.writeByte(VERSION);
    writeResponse(w, response);
    return w.toBytes();
  }

  /** Decodes a response; throws {@link KvCodecException} unless {@code data} is exactly one. */
  public static KvResponse decodeResponse(Bytes data) {
    ByteReader r = new ByteReader(data);
    readVersion(r);
    KvResponse response = readResponse(r, 0);
    r.expectEnd();
    return response;
  }

  private static void writeResponse(ByteWriter w, KvResponse response) {
    if (response instanceof KvResponse.Range q) {
      w.writeByte(RESP_RANGE).writeSigned(q.revision());
      writeKvs(w, q.kvs());
      w.writeBoolean(q.more()).writeSigned(q.count());
    } else if (response instanceof KvResponse.Put p) {
      w.writeByte(RESP_PUT).writeSigned(p.revision()).writeBoolean(p.prevKv().isPresent());
      p.prevKv().ifPresent(kv -> writeKv(w, kv));
    } else if (response instanceof KvResponse.DeleteRange d) {
      w.writeByte(RESP_DELETE_RANGE).writeSigned(d.revision()).writeSigned(d.deleted());
      writeKvs(w, d.prevKvs());
    } else if (response instanceof KvResponse.Txn t) {
      w.writeByte(RESP_TXN).writeSigned(t.revision()).writeBoolean(t.succeeded());
      w.writeUnsigned(t.responses().size());
      for (KvResponse nested : t.responses()) {
        writeResponse(w, nested);
      }
    } else if (response instanceof KvResponse.Compact c) {
      w.writeByte(RESP_COMPACT).writeSigned(c.revision());
    } else if (response instanceof KvResponse.LeaseGrant g) {
      w.writeByte(RESP_LEASE_GRANT).writeSigned(g.revision()).writeSigned(g.id());
      w.writeSigned(g.ttlSeconds());
    } else if (response instanceof KvResponse.LeaseRevoke r) {
      w.writeByte(RESP_LEASE_REVOKE).writeSigned(r.revision());
    } else if (response instanceof KvResponse.LeaseCheckpoint c) {
      w.writeByte(RESP_LEASE_CHECKPOINT).writeSigned(c.revision());
    } else if (response instanceof KvResponse.HashKv h) {
      w.writeByte(RESP_HASH_KV).writeSigned(h.revision()).writeSigned(h.hash());
      w.writeSigned(h.compactRevision());
    } else {
      KvError error = ((KvResponse.Error) response).error();
      w.writeByte(RESP_ERROR).writeBytes(Bytes.utf8(error.name()));
    }
  }

  private static KvResponse readResponse(ByteReader r, int depth) {
    if (depth > MAX_DEPTH) {
      throw new KvCodecException("txn response nested deeper than " + MAX_DEPTH);
    }
    int tag = r.readByte();
    switch (tag) {
      case RESP_RANGE:
        return new KvResponse.Range(r.readSigned(), readKvs(r), r.readBoolean(), r.readSigned());
      case RESP_PUT:
        long revision = r.readSigned();
        Optional<KeyValue> prev = r.readBoolean() ? Optional.of(readKv(r)) : Optional.empty();
        return new KvResponse.Put(revision, prev);
      case RESP_DELETE_RANGE:
        return new KvResponse.DeleteRange(r.readSigned(), r.readSigned(), readKvs(r));
      case RESP_TXN:
        long txnRevision = r.readSigned();
        boolean succeeded = r.readBoolean();
        int n = r.readCount(1);
        List<KvResponse> responses = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          responses.add(readNested(r, depth));
        }
        return new KvResponse.Txn(txnRevision, succeeded, responses);
      case RESP_COMPACT:
        return new KvResponse.Compact(r.readSigned());
      case RESP_LEASE_GRANT:
        return new KvResponse.LeaseGrant(r.readSigned(), r.readSigned(), r.readSigned());
      case RESP_LEASE_REVOKE:
        return new KvResponse.LeaseRevoke(r.readSigned());
      case RESP_LEASE_CHECKPOINT:
        return new KvResponse.LeaseCheckpoint(r.readSigned());
      case RESP_HASH_KV:
        return new KvResponse.HashKv(r.readSigned(), r.readSigned(), r.readSigned());
      case RESP_ERROR:
        return new KvResponse.Error(readError(r));
      default:
        throw new KvCodecException("unknown response tag " + tag);
    }
  }

  private static KvResponse readNested(ByteReader r, int depth) {
    KvResponse nested = readResponse(r, depth + 1);
    if (!(nested instanceof KvResponse.Range
        || nested instanceof KvResponse.Put
        || nested instanceof KvResponse.DeleteRange
        || nested instanceof KvResponse.Txn)) {
      throw new KvCodecException("a txn cannot hold a " + nested.getClass().getSimpleName());
    }
    return nested;
  }

  private static KvError readError(ByteReader r) {
    String name = new String(r.readBytes().toByteArray(), StandardCharsets.UTF_8);
    for (KvError e : KvError.values()) {
      if (e.name().equals(name)) {
        return e;
      }
    }
    throw new KvCodecException("unknown error " + name);
  }

  static void writeKv(ByteWriter w, KeyValue kv) {
    w.writeBytes(kv.key()).writeSigned(kv.createRevision()).writeSigned(kv.modRevision());
    w.writeSigned(kv.version()).writeBytes(kv.value()).writeSigned(kv.lease());
  }

  static KeyValue readKv(ByteReader r) {
    return new KeyValue(
        r.readBytes(),
        r.readSigned(),
        r.readSigned(),
        r.readSigned(),
        r.readBytes(),
        r.readSigned());
  }

  private static void writeKvs(ByteWriter w, List<KeyValue> kvs) {
    w.writeUnsigned(kvs.size());
    for (KeyValue kv : kvs) {
      writeKv(w, kv);
    }
  }

  private static List<KeyValue> readKvs(ByteReader r) {
    int n = r.readCount(6);
    List<KeyValue> kvs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      kvs.add(readKv(r));
    }
    return kvs;
  }

  private static int readFlags(ByteReader r, int bits) {
    int flags = r.readByte();
    if ((flags >>> bits) != 0) {
      throw new KvCodecException("unknown flags " + flags);
    }
    return flags;
  }

  private static void readVersion(ByteReader r) {
    if (!r.hasRemaining()) {
      throw new KvCodecException("empty input");
    }
    int version = r.readByte();
    if (version != VERSION) {
      throw new KvCodecException("unsupported format version " + version, true);
    }
  }
}
