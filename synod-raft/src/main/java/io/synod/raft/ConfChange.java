package io.synod.raft;

import io.synod.common.Bytes;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A membership change, carried by a {@link EntryType#CONF_CHANGE} entry.
 *
 * <p>A single change under {@link Transition#AUTO} is applied directly ("simple" change, Raft
 * thesis §4.1): it alters at most one voter. Anything else, even several changes that would alter
 * only learners, enters a joint configuration (§4.3), as etcd does: joint consensus is always safe,
 * and the choice then does not depend on the configuration the change lands on. The joint
 * configuration is left by a later empty change: on its own ({@link Transition#AUTO}, {@link
 * Transition#JOINT_IMPLICIT}) or when the operator proposes {@link #leaveJoint()} ({@link
 * Transition#JOINT_EXPLICIT}).
 *
 * <p>{@code context} is opaque to Raft and travels with the change (etcd's {@code
 * ConfChange.Context}): the application records there what it must know about the members when the
 * change is applied (their names and addresses), so every replica learns it from the log.
 */
public record ConfChange(Transition transition, List<Change> changes, Bytes context) {
  /** The encoding of a change without a context (the only one before contexts existed). */
  private static final byte CODEC_VERSION = 1;

  /** The encoding of a change with a context. */
  private static final byte CODEC_VERSION_CONTEXT = 2;

  /** The most changes one entry may carry; {@link MembershipChanger} refuses longer ones. */
  static final int CHANGES_MAX = 1024;

  /** The largest context a change may carry. */
  public static final int CONTEXT_BYTES_MAX = 64 * 1024;

  public ConfChange {
    changes = List.copyOf(changes);
    if (context.size() > CONTEXT_BYTES_MAX) {
      throw new IllegalArgumentException("conf change context of " + context.size() + " bytes");
    }
  }

  /** A change without a context. */
  public ConfChange(Transition transition, List<Change> changes) {
    this(transition, changes, Bytes.EMPTY);
  }

  /** How a change moves between configurations. */
  public enum Transition {
    /** Simple if it holds a single change, else joint with automatic leave. */
    AUTO,
    /** Always joint; the leader leaves the joint configuration on its own. */
    JOINT_IMPLICIT,
    /** Always joint; stays joint until {@link #leaveJoint()} is proposed. */
    JOINT_EXPLICIT
  }

  /** What happens to one node. */
  public enum ChangeType {
    ADD_VOTER,
    ADD_LEARNER,
    REMOVE
  }

  /** One node's change. */
  public record Change(ChangeType type, long nodeId) {}

  public static ConfChange of(ChangeType type, long nodeId) {
    return new ConfChange(Transition.AUTO, List.of(new Change(type, nodeId)));
  }

  /** A simple change of one node that carries {@code context}. */
  public static ConfChange of(ChangeType type, long nodeId, Bytes context) {
    return new ConfChange(Transition.AUTO, List.of(new Change(type, nodeId)), context);
  }

  /** The empty change that leaves a joint configuration. */
  public static ConfChange leaveJoint() {
    return new ConfChange(Transition.AUTO, List.of());
  }

  public boolean isLeaveJoint() {
    return changes.isEmpty();
  }

  /** Whether this change enters a joint configuration. */
  public boolean entersJoint() {
    return transition != Transition.AUTO || changes.size() > 1;
  }

  /** Whether the joint configuration this change enters is left automatically. */
  public boolean autoLeave() {
    return transition != Transition.JOINT_EXPLICIT;
  }

  /**
   * The entry payload. A change without a context keeps the original encoding (version 1), so logs
   * written before contexts existed, and their checksums and traces, stay byte for byte the same.
   */
  public Bytes encode() {
    boolean withContext = !context.isEmpty();
    int contextBytes = withContext ? 4 + context.size() : 0;
    ByteBuffer buf = ByteBuffer.allocate(6 + changes.size() * 9 + contextBytes);
    buf.put(withContext ? CODEC_VERSION_CONTEXT : CODEC_VERSION);
    buf.put((byte) transition.ordinal()).putInt(changes.size());
    for (Change c : changes) {
      buf.put((byte) c.type.ordinal()).putLong(c.nodeId);
    }
    if (withContext) {
      buf.putInt(context.size());
      context.writeTo(buf);
    }
    return Bytes.wrapOwned(buf.array());
  }

  /**
   * Decodes a change written by {@link #encode()}.
   *
   * @throws IllegalArgumentException if {@code data} is not a well-formed change
   */
  public static ConfChange decode(Bytes data) {
    try {
      ByteBuffer buf = data.asReadOnlyBuffer();
      byte version = buf.get();
      if (version != CODEC_VERSION && version != CODEC_VERSION_CONTEXT) {
        throw new IllegalArgumentException("unknown conf change version " + version);
      }
      Transition transition = enumAt(Transition.values(), buf.get());
      int count = buf.getInt();
      if (count < 0 || count > CHANGES_MAX) {
        throw new IllegalArgumentException("bad conf change count " + count);
      }
      List<Change> changes = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        ChangeType type = enumAt(ChangeType.values(), buf.get());
        long nodeId = buf.getLong();
        if (nodeId <= 0) {
          throw new IllegalArgumentException("bad node id " + nodeId);
        }
        changes.add(new Change(type, nodeId));
      }
      Bytes context = Bytes.EMPTY;
      if (version == CODEC_VERSION_CONTEXT) {
        int size = buf.getInt();
        if (size <= 0 || size > CONTEXT_BYTES_MAX || size > buf.remaining()) {
          throw new IllegalArgumentException("bad conf change context size " + size);
        }
        byte[] ctx = new byte[size];
        buf.get(ctx);
        context = Bytes.wrapOwned(ctx);
      }
      if (buf.hasRemaining()) {
        throw new IllegalArgumentException("trailing bytes after conf change");
      }
      return new ConfChange(transition, changes, context);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("truncated conf change", e);
    }
  }

  private static <E> E enumAt(E[] values, byte ordinal) {
    if (ordinal < 0 || ordinal >= values.length) {
      throw new IllegalArgumentException("bad enum ordinal " + ordinal);
    }
    return values[ordinal];
  }

  @Override
  public String toString() {
    if (isLeaveJoint()) {
      return "leave-joint";
    }
    StringBuilder sb = new StringBuilder();
    for (Change c : changes) {
      if (sb.length() > 0) {
        sb.append(' ');
      }
      sb.append(
          switch (c.type) {
            case ADD_VOTER -> "v";
            case ADD_LEARNER -> "l";
            case REMOVE -> "r";
          });
      sb.append(c.nodeId);
    }
    if (transition != Transition.AUTO) {
      sb.append(' ').append(transition.name().toLowerCase(java.util.Locale.ROOT));
    }
    if (!context.isEmpty()) {
      sb.append(" ctx=").append(context.size()).append('B');
    }
    return sb.toString();
  }
}
