package io.synod.raft;

import io.synod.common.Bytes;
import io.synod.raft.RaftMessage.AppendRequest;
import io.synod.raft.RaftMessage.AppendResponse;
import io.synod.raft.RaftMessage.HeartbeatRequest;
import io.synod.raft.RaftMessage.HeartbeatResponse;
import io.synod.raft.RaftMessage.ReadIndexRequest;
import io.synod.raft.RaftMessage.ReadIndexResponse;
import io.synod.raft.RaftMessage.SnapshotChunk;
import io.synod.raft.RaftMessage.SnapshotChunkResponse;
import io.synod.raft.RaftMessage.TimeoutNow;
import io.synod.raft.RaftMessage.VoteRequest;
import io.synod.raft.RaftMessage.VoteResponse;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire form of an {@link Envelope} between replicas: a version byte, the envelope's group,
 * sender, receiver and term, a message type byte, then the message's fields, big-endian. Decoding
 * is total: any malformed input is an {@link IllegalArgumentException}, which the transport counts
 * and drops (bad network input never reaches the core).
 */
public final class RaftCodec {
  private static final byte VERSION = 1;
  private static final int LIST_MAX = 1 << 20;

  private static final byte VOTE_REQUEST = 1;
  private static final byte VOTE_RESPONSE = 2;
  private static final byte APPEND_REQUEST = 3;
  private static final byte APPEND_RESPONSE = 4;
  private static final byte HEARTBEAT_REQUEST = 5;
  private static final byte HEARTBEAT_RESPONSE = 6;
  private static final byte SNAPSHOT_CHUNK = 7;
  private static final byte SNAPSHOT_CHUNK_RESPONSE = 8;
  private static final byte TIMEOUT_NOW = 9;
  private static final byte READ_INDEX_REQUEST = 10;
  private static final byte READ_INDEX_RESPONSE = 11;
  private static final byte APPEND_REQUEST_QUIET = 12;

  private RaftCodec() {}

  public static Bytes encode(Envelope e) {
    ByteBuffer b = ByteBuffer.allocate(size(e));
    b.put(VERSION).putLong(e.groupId()).putLong(e.from()).putLong(e.to()).putLong(e.term());
    RaftMessage m = e.body();
    if (m instanceof VoteRequest v) {
      b.put(VOTE_REQUEST).put(flags(v.preVote(), v.transfer())).putLong(v.lastIndex());
      b.putLong(v.lastTerm());
    } else if (m instanceof VoteResponse v) {
      b.put(VOTE_RESPONSE).put(flags(v.preVote(), v.granted())).putLong(v.commitIndex());
      b.putLong(v.commitTerm());
    } else if (m instanceof AppendRequest a) {
      b.put(a.quiet() ? APPEND_REQUEST_QUIET : APPEND_REQUEST);
      b.putLong(a.prevIndex()).putLong(a.prevTerm()).putLong(a.commit());
      b.putInt(a.entries().size());
      for (Entry entry : a.entries()) {
        putEntry(b, entry);
      }
    } else if (m instanceof AppendResponse a) {
      b.put(APPEND_RESPONSE).put(flags(a.success(), false)).putLong(a.index());
      b.putLong(a.hintIndex()).putLong(a.hintTerm());
    } else if (m instanceof HeartbeatRequest h) {
      b.put(HEARTBEAT_REQUEST).putLong(h.commit()).putLong(h.readRound());
    } else if (m instanceof HeartbeatResponse h) {
      b.put(HEARTBEAT_RESPONSE).putLong(h.readRound());
    } else if (m instanceof SnapshotChunk c) {
      b.put(SNAPSHOT_CHUNK);
      putMeta(b, c.meta());
      b.putLong(c.totalBytes()).putLong(c.offset()).putInt(c.data().size());
      c.data().writeTo(b);
    } else if (m instanceof SnapshotChunkResponse r) {
      b.put(SNAPSHOT_CHUNK_RESPONSE).putLong(r.snapshotIndex()).putLong(r.nextOffset());
    } else if (m instanceof TimeoutNow) {
      b.put(TIMEOUT_NOW);
    } else if (m instanceof ReadIndexRequest r) {
      b.put(READ_INDEX_REQUEST).putLong(r.requestId());
    } else if (m instanceof ReadIndexResponse r) {
      b.put(READ_INDEX_RESPONSE).putLong(r.requestId()).putLong(r.index());
    }
    return Bytes.wrapOwned(b.array());
  }

  /** The exact encoded size of {@code e}. */
  public static int size(Envelope e) {
    int header = 1 + 8 * 4 + 1;
    RaftMessage m = e.body();
    if (m instanceof VoteRequest || m instanceof VoteResponse) {
      return header + 1 + 16;
    } else if (m instanceof AppendRequest a) {
      int n = header + 24 + 4;
      for (Entry entry : a.entries()) {
        n += 8 + 8 + 1 + 4 + entry.data().size();
      }
      return n;
    } else if (m instanceof AppendResponse) {
      return header + 1 + 24;
    } else if (m instanceof HeartbeatRequest) {
      return header + 16;
    } else if (m instanceof HeartbeatResponse || m instanceof ReadIndexRequest) {
      return header + 8;
    } else if (m instanceof SnapshotChunk c) {
      return header + metaSize(c.meta()) + 8 + 8 + 4 + c.data().size();
    } else if (m instanceof SnapshotChunkResponse || m instanceof ReadIndexResponse) {
      return header + 16;
    } else {
      return header;
    }
  }

  /**
   * Decodes an envelope written by {@link #encode}.
   *
   * @throws IllegalArgumentException if {@code data} is not a well-formed envelope
   */
  public static Envelope decode(Bytes data) {
    try {
      ByteBuffer b = data.asReadOnlyBuffer();
      byte version = b.get();
      if (version != VERSION) {
        throw new IllegalArgumentException("unknown raft message version " + version);
      }
      long group = b.getLong();
      long from = b.getLong();
      long to = b.getLong();
      long term = b.getLong();
      if (term < 0) {
        throw new IllegalArgumentException("negative term");
      }
      RaftMessage body = decodeBody(b);
      if (b.hasRemaining()) {
        throw new IllegalArgumentException(b.remaining() + " trailing bytes");
      }
      return new Envelope(group, from, to, term, body);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("truncated raft message", e);
    }
  }

  private static RaftMessage decodeBody(ByteBuffer b) {
    byte type = b.get();
    switch (type) {
      case VOTE_REQUEST -> {
        byte f = flagsByte(b);
        return new VoteRequest(
            (f & 1) != 0, nonNegative(b.getLong()), nonNegative(b.getLong()), (f & 2) != 0);
      }
      case VOTE_RESPONSE -> {
        byte f = flagsByte(b);
        return new VoteResponse(
            (f & 1) != 0, (f & 2) != 0, nonNegative(b.getLong()), nonNegative(b.getLong()));
      }
      case APPEND_REQUEST, APPEND_REQUEST_QUIET -> {
        long prevIndex = nonNegative(b.getLong());
        long prevTerm = nonNegative(b.getLong());
        long commit = nonNegative(b.getLong());
        int n = count(b.getInt());
        List<Entry> entries = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
          entries.add(getEntry(b));
        }
        return new AppendRequest(
            prevIndex, prevTerm, entries, commit, type == APPEND_REQUEST_QUIET);
      }
      case APPEND_RESPONSE -> {
        boolean success = (flagsByte(b) & 1) != 0;
        return new AppendResponse(
            success, nonNegative(b.getLong()), nonNegative(b.getLong()), nonNegative(b.getLong()));
      }
      case HEARTBEAT_REQUEST -> {
        return new HeartbeatRequest(nonNegative(b.getLong()), nonNegative(b.getLong()));
      }
      case HEARTBEAT_RESPONSE -> {
        return new HeartbeatResponse(nonNegative(b.getLong()));
      }
      case SNAPSHOT_CHUNK -> {
        SnapshotMeta meta = getMeta(b);
        long total = nonNegative(b.getLong());
        long offset = nonNegative(b.getLong());
        return new SnapshotChunk(meta, total, offset, getBytes(b));
      }
      case SNAPSHOT_CHUNK_RESPONSE -> {
        return new SnapshotChunkResponse(nonNegative(b.getLong()), nonNegative(b.getLong()));
      }
      case TIMEOUT_NOW -> {
        return new TimeoutNow();
      }
      case READ_INDEX_REQUEST -> {
        return new ReadIndexRequest(b.getLong());
      }
      case READ_INDEX_RESPONSE -> {
        return new ReadIndexResponse(b.getLong(), nonNegative(b.getLong()));
      }
      default -> throw new IllegalArgumentException("unknown raft message type " + type);
    }
  }

  private static byte flagsByte(ByteBuffer b) {
    byte f = b.get();
    if ((f & ~3) != 0) {
      throw new IllegalArgumentException("unknown flags " + f);
    }
    return f;
  }

  private static byte flags(boolean a, boolean b) {
    return (byte) ((a ? 1 : 0) | (b ? 2 : 0));
  }

  private static void putEntry(ByteBuffer b, Entry e) {
    b.putLong(e.term()).putLong(e.index()).put((byte) e.type().ordinal()).putInt(e.data().size());
    e.data().writeTo(b);
  }

  private static Entry getEntry(ByteBuffer b) {
    long term = nonNegative(b.getLong());
    long index = nonNegative(b.getLong());
    byte kind = b.get();
    if (kind < 0 || kind >= EntryType.values().length) {
      throw new IllegalArgumentException("bad entry type " + kind);
    }
    return new Entry(term, index, EntryType.values()[kind], getBytes(b));
  }

  private static Bytes getBytes(ByteBuffer b) {
    int n = b.getInt();
    if (n < 0 || n > b.remaining()) {
      throw new IllegalArgumentException("bad byte string length " + n);
    }
    byte[] out = new byte[n];
    b.get(out);
    return Bytes.wrapOwned(out);
  }

  private static int metaSize(SnapshotMeta m) {
    ConfState c = m.confState();
    int ids = c.voters().size() + c.votersOutgoing().size() + c.learners().size();
    return 16 + 4 * 4 + 8 * (ids + c.learnersNext().size()) + 1;
  }

  private static void putMeta(ByteBuffer b, SnapshotMeta m) {
    b.putLong(m.index()).putLong(m.term());
    ConfState c = m.confState();
    for (List<Long> ids : List.of(c.voters(), c.votersOutgoing(), c.learners(), c.learnersNext())) {
      b.putInt(ids.size());
      ids.forEach(b::putLong);
    }
    b.put((byte) (c.autoLeave() ? 1 : 0));
  }

  private static SnapshotMeta getMeta(ByteBuffer b) {
    long index = nonNegative(b.getLong());
    long term = nonNegative(b.getLong());
    List<List<Long>> lists = new ArrayList<>(4);
    for (int i = 0; i < 4; i++) {
      int n = count(b.getInt());
      List<Long> ids = new ArrayList<>(Math.min(n, 64));
      for (int j = 0; j < n; j++) {
        ids.add(b.getLong());
      }
      lists.add(ids);
    }
    boolean autoLeave = (flagsByte(b) & 1) != 0;
    return new SnapshotMeta(
        index,
        term,
        new ConfState(lists.get(0), lists.get(1), lists.get(2), lists.get(3), autoLeave));
  }

  private static int count(int n) {
    if (n < 0 || n > LIST_MAX) {
      throw new IllegalArgumentException("bad count " + n);
    }
    return n;
  }

  private static long nonNegative(long v) {
    if (v < 0) {
      throw new IllegalArgumentException("negative field " + v);
    }
    return v;
  }
}
