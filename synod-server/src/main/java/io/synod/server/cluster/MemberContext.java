package io.synod.server.cluster;

import io.synod.common.Bytes;
import java.util.List;
import java.util.TreeSet;

/**
 * What a membership change tells every replica about the member it changes: carried as the context
 * of the Raft {@code ConfChange} (as etcd carries its member JSON), so the member table is part of
 * the replicated state and every member lists the same members.
 *
 * @param op what the change does to the member table
 * @param name the member's name (founding members only; others publish theirs when they start)
 * @param peerUrls the member's peer URLs (empty for {@link Op#PROMOTE}), sorted
 */
public record MemberContext(Op op, String name, List<String> peerUrls) {
  private static final int FORMAT = 1;

  public MemberContext {
    peerUrls = List.copyOf(new TreeSet<>(peerUrls));
  }

  /** The change a context belongs to. */
  public enum Op {
    /** A founding member, written by the bootstrap of a new cluster. */
    FOUND,
    /** MemberAdd: a new voter or learner. */
    ADD,
    /** MemberUpdate: new peer URLs for a member, its role unchanged. */
    UPDATE,
    /** MemberPromote: a learner becomes a voter. */
    PROMOTE,
    /** MemberRemove. */
    REMOVE
  }

  public static MemberContext found(String name, List<String> peerUrls) {
    return new MemberContext(Op.FOUND, name, peerUrls);
  }

  public Bytes encode() {
    return new Wire.Writer()
        .writeByte(FORMAT)
        .writeByte(op.ordinal())
        .writeString(name)
        .writeStrings(peerUrls)
        .toBytes();
  }

  /**
   * Decodes {@link #encode()}.
   *
   * @throws IllegalArgumentException if {@code data} is not a well-formed context
   */
  public static MemberContext decode(Bytes data) {
    Wire.Reader r = new Wire.Reader(data);
    int format = r.readByte();
    if (format != FORMAT) {
      throw new IllegalArgumentException("unknown member context format " + format);
    }
    int op = r.readByte();
    if (op >= Op.values().length) {
      throw new IllegalArgumentException("bad member change op " + op);
    }
    MemberContext c = new MemberContext(Op.values()[op], r.readString(), r.readStrings());
    r.expectEnd();
    return c;
  }
}
