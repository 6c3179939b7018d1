package io.synod.server.cluster;

import io.synod.common.Bytes;
import io.synod.raft.ConfChange;
import io.synod.raft.ConfState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The replicated cluster state beside the key-value store: who the members are (ids and roles from
 * Raft's own configuration, names and URLs from the membership changes' contexts and the members'
 * publications), which ids were removed for good, and the raised alarms.
 *
 * <p>It follows Raft's membership decisions entry by entry ({@link ConfState#after}), so it lists
 * exactly the members of the configuration in force at the applied index, on every replica; what it
 * adds (names, URLs, alarms) comes only from the log. {@link #image()} and {@link #restore} carry
 * it in the state machine's snapshots, with the configuration from the snapshot's metadata.
 *
 * <p><b>Threads.</b> Confined to the replica loop's thread. Not thread-safe.
 */
public final class ClusterTable {
  private static final int IMAGE_FORMAT = 1;

  /** What is known of a member beyond its id and role. */
  private record Attributes(String name, List<String> peerUrls, List<String> clientUrls) {
    static final Attributes NONE = new Attributes("", List.of(), List.of());
  }

  private ConfState conf = ConfState.EMPTY;
  private final TreeMap<Long, Attributes> attributes = new TreeMap<>();
  private final TreeSet<Long> removed = new TreeSet<>();
  private final TreeSet<Alarm> alarms = new TreeSet<>();

  /** Counts changes; local (not replicated), so observers can tell when to look again. */
  private long changeCount;

  /** The membership in force, as Raft has it at the applied index. */
  public ConfState conf() {
    return conf;
  }

  /** Every member, in ascending id order (as etcd lists them). */
  public List<Member> members() {
    List<Member> out = new ArrayList<>();
    for (long id : conf.members()) {
      out.add(member(id).orElseThrow());
    }
    return out;
  }

  /** Member {@code id}, if it belongs to the configuration. */
  public Optional<Member> member(long id) {
    if (!conf.contains(id)) {
      return Optional.empty();
    }
    Attributes a = attributes.getOrDefault(id, Attributes.NONE);
    return Optional.of(new Member(id, a.name, a.peerUrls, a.clientUrls, conf.isLearner(id)));
  }

  /** Whether {@code id} was a member and was removed (ids are never reused). */
  public boolean isRemoved(long id) {
    return removed.contains(id);
  }

  public SortedSet<Long> removed() {
    return Collections.unmodifiableSortedSet(removed);
  }

  /** Every raised alarm, by type then member. */
  public List<Alarm> alarms() {
    return List.copyOf(alarms);
  }

  public boolean hasAlarm(Alarm.Type type) {
    for (Alarm a : alarms) {
      if (a.type() == type) {
        return true;
      }
    }
    return false;
  }

  public long changeCount() {
    return changeCount;
  }

  /** The peer URLs of every member that has some, by id. */
  public Map<Long, List<String>> peerUrls() {
    Map<Long, List<String>> out = new LinkedHashMap<>();
    for (long id : conf.members()) {
      Attributes a = attributes.get(id);
      if (a != null && !a.peerUrls.isEmpty()) {
        out.put(id, a.peerUrls);
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Apply

  /**
   * Follows a committed membership change. Returns false, changing nothing, for a change Raft skips
   * as invalid.
   */
  public boolean applyConfChange(ConfChange change) {
    ConfState next;
    try {
      next = conf.after(change);
    } catch (IllegalArgumentException invalid) {
      return false;
    }
    conf = next;
    Optional<MemberContext> context = decodeContext(change.context());
    for (ConfChange.Change c : change.changes()) {
      long id = c.nodeId();
      if (c.type() == ConfChange.ChangeType.REMOVE) {
        attributes.remove(id);
        removed.add(id);
      } else if (context.isPresent()) {
        MemberContext ctx = context.get();
        Attributes old = attributes.getOrDefault(id, Attributes.NONE);
        switch (ctx.op()) {
          case FOUND, ADD ->
              attributes.put(id, new Attributes(ctx.name(), ctx.peerUrls(), List.of()));
          case UPDATE ->
              attributes.put(id, new Attributes(old.name, ctx.peerUrls(), old.clientUrls));
          case PROMOTE, REMOVE -> {}
        }
      }
    }
    changeCount++;
    return true;
  }

  /** A malformed context (never written by Synod) is ignored alike on every replica. */
  private static Optional<MemberContext> decodeContext(Bytes data) {
    if (data.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(MemberContext.decode(data));
    } catch (IllegalArgumentException malformed) {
      return Optional.empty();
    }
  }

  /** Applies a {@link ClusterCommand}; returns what its proposer gets back. */
  public Bytes apply(ClusterCommand command) {
    if (command instanceof ClusterCommand.Publish p) {
      if (!conf.contains(p.memberId())) {
        return Bytes.EMPTY;
      }
      Attributes old = attributes.getOrDefault(p.memberId(), Attributes.NONE);
      attributes.put(p.memberId(), new Attributes(p.name(), old.peerUrls, p.clientUrls()));
      changeCount++;
      return Bytes.EMPTY;
    }
    ClusterCommand.AlarmChange a = (ClusterCommand.AlarmChange) command;
    List<Alarm> changed = new ArrayList<>();
    if (a.alarm().type() != Alarm.Type.NONE) {
      // etcd answers an activation with the alarm even if it was already raised, and a
      // deactivation only if it was.
      if (a.activate()) {
        alarms.add(a.alarm());
        changed.add(a.alarm());
      } else if (alarms.remove(a.alarm())) {
        changed.add(a.alarm());
      }
    }
    changeCount++;
    return ClusterCommand.encodeAlarms(changed);
  }

  // ---------------------------------------------------------------------------------------------
  // Snapshots

  /** The replicated state but the configuration (which the snapshot's metadata carries). */
  public Bytes image() {
    Wire.Writer w = new Wire.Writer().writeByte(IMAGE_FORMAT);
    w.writeInt(attributes.size());
    attributes.forEach(
        (id, a) ->
            w.writeLong(id)
                .writeString(a.name)
                .writeStrings(a.peerUrls)
                .writeStrings(a.clientUrls));
    w.writeInt(removed.size());
    removed.forEach(w::writeLong);
    w.writeInt(alarms.size());
    alarms.forEach(a -> w.writeLong(a.memberId()).writeByte(a.type().number()));
    return w.toBytes();
  }

  /**
   * Replaces the state with {@code image} ({@link #image()}; empty for the initial state) under
   * configuration {@code confState}.
   *
   * @throws IllegalArgumentException if the image is malformed (nothing changed then)
   */
  public void restore(ConfState confState, Bytes image) {
    TreeMap<Long, Attributes> attrs = new TreeMap<>();
    TreeSet<Long> gone = new TreeSet<>();
    TreeSet<Alarm> raised = new TreeSet<>();
    if (!image.isEmpty()) {
      Wire.Reader r = new Wire.Reader(image);
      int format = r.readByte();
      if (format != IMAGE_FORMAT) {
        throw new IllegalArgumentException("unknown cluster image format " + format);
      }
      int n = r.readCount(20);
      for (int i = 0; i < n; i++) {
        attrs.put(r.readLong(), new Attributes(r.readString(), r.readStrings(), r.readStrings()));
      }
      n = r.readCount(8);
      for (int i = 0; i < n; i++) {
        gone.add(r.readLong());
      }
      n = r.readCount(9);
      for (int i = 0; i < n; i++) {
        raised.add(new Alarm(r.readLong(), Alarm.Type.of(r.readByte())));
      }
      r.expectEnd();
    }
    conf = confState;
    attributes.clear();
    attributes.putAll(attrs);
    removed.clear();
    removed.addAll(gone);
    alarms.clear();
    alarms.addAll(raised);
    changeCount++;
  }

  // ---------------------------------------------------------------------------------------------
  // The member list on the wire (answers to joining members and forwarded member changes)

  public static Bytes encodeMembers(List<Member> members) {
    Wire.Writer w = new Wire.Writer().writeInt(members.size());
    for (Member m : members) {
      w.writeLong(m.id()).writeString(m.name()).writeStrings(m.peerUrls());
      w.writeStrings(m.clientUrls()).writeBoolean(m.learner());
    }
    return w.toBytes();
  }

  /**
   * Decodes {@link #encodeMembers}.
   *
   * @throws IllegalArgumentException if malformed
   */
  public static List<Member> decodeMembers(Bytes data) {
    Wire.Reader r = new Wire.Reader(data);
    List<Member> out = readMembers(r);
    r.expectEnd();
    return out;
  }

  /** What a member tells a joining one: the cluster's id and its members. */
  public record Info(long clusterId, List<Member> members) {}

  public static Bytes encodeInfo(Info info) {
    return new Wire.Writer()
        .writeLong(info.clusterId())
        .writeBytes(encodeMembers(info.members()))
        .toBytes();
  }

  /**
   * Decodes {@link #encodeInfo}.
   *
   * @throws IllegalArgumentException if malformed
   */
  public static Info decodeInfo(Bytes data) {
    Wire.Reader r = new Wire.Reader(data);
    long clusterId = r.readLong();
    List<Member> members = decodeMembers(Bytes.wrapOwned(r.readBytes()));
    r.expectEnd();
    return new Info(clusterId, members);
  }

  static List<Member> readMembers(Wire.Reader r) {
    int n = r.readCount(21);
    List<Member> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(
          new Member(
              r.readLong(), r.readString(), r.readStrings(), r.readStrings(), r.readBoolean()));
    }
    return out;
  }
}
