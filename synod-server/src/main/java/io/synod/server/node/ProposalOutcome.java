package io.synod.server.node;

import io.synod.common.Bytes;
import io.synod.raft.replica.Outcome;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * What became of a command the shell proposed, locally or through the leader: the loop's {@link
 * Outcome} plus the shell's own {@link Busy}. "Definitely not applied" ({@link NotLeader}, {@link
 * Busy}, {@link Rejected}) stays apart from "maybe applied" ({@link Unknown}) all the way to the
 * API edge: only the former may be retried blindly.
 */
public sealed interface ProposalOutcome {
  /** Committed and applied at {@code index}; {@code result} is what the state machine returned. */
  record Applied(long index, Bytes result) implements ProposalOutcome {}

  /** Not applied: no leader here; {@code leaderHint} is the leader known, or 0 if none. */
  record NotLeader(long leaderHint) implements ProposalOutcome {}

  /** Not applied: a queue or limit was full (etcd's "too many requests"); retry later. */
  record Busy(String reason) implements ProposalOutcome {}

  /** Not applied, and never will be. */
  record Rejected(String reason) implements ProposalOutcome {}

  /** May or may not have been applied (the leader was lost, a snapshot skipped the entry...). */
  record Unknown(String reason) implements ProposalOutcome {}

  /**
   * The loop's outcome. The loop reports its own limits and Raft's uncommitted-bytes limit as
   * rejections; they are {@link Busy} here.
   */
  static ProposalOutcome of(Outcome o) {
    if (o instanceof Outcome.Applied a) {
      return new Applied(a.index(), a.result());
    } else if (o instanceof Outcome.NotLeader n) {
      return new NotLeader(n.leaderHint());
    } else if (o instanceof Outcome.Unknown u) {
      return new Unknown(u.reason());
    }
    String reason = ((Outcome.Rejected) o).reason();
    if (reason.startsWith("BUSY") || reason.startsWith("too many pending")) {
      return new Busy(reason);
    }
    return new Rejected(reason);
  }

  /** The wire form, for the forward call between members. */
  static Bytes encode(ProposalOutcome o) {
    byte[] text;
    ByteBuffer b;
    if (o instanceof Applied a) {
      b = ByteBuffer.allocate(1 + 8 + a.result().size());
      b.put((byte) 1).putLong(a.index());
      a.result().writeTo(b);
    } else if (o instanceof NotLeader n) {
      b = ByteBuffer.allocate(9).put((byte) 2).putLong(n.leaderHint());
    } else {
      byte tag;
      String reason;
      if (o instanceof Busy x) {
        tag = 3;
        reason = x.reason();
      } else if (o instanceof Rejected x) {
        tag = 4;
        reason = x.reason();
      } else {
        tag = 5;
        reason = ((Unknown) o).reason();
      }
      text = reason.getBytes(StandardCharsets.UTF_8);
      b = ByteBuffer.allocate(1 + text.length).put(tag).put(text);
    }
    return Bytes.wrapOwned(b.array());
  }

  /**
   * Decodes {@link #encode}.
   *
   * @throws IllegalArgumentException if {@code data} is malformed
   */
  static ProposalOutcome decode(Bytes data) {
    ByteBuffer b = data.asReadOnlyBuffer();
    try {
      byte tag = b.get();
      switch (tag) {
        case 1 -> {
          long index = b.getLong();
          byte[] rest = new byte[b.remaining()];
          b.get(rest);
          return new Applied(index, Bytes.wrapOwned(rest));
        }
        case 2 -> {
          return new NotLeader(b.getLong());
        }
        case 3, 4, 5 -> {
          byte[] rest = new byte[b.remaining()];
          b.get(rest);
          String reason = new String(rest, StandardCharsets.UTF_8);
          return tag == 3
              ? new Busy(reason)
              : tag == 4 ? new Rejected(reason) : new Unknown(reason);
        }
        default -> throw new IllegalArgumentException("unknown outcome tag " + tag);
      }
    } catch (java.nio.BufferUnderflowException e) {
      throw new IllegalArgumentException("truncated outcome", e);
    }
  }
}
