package io.synod.server.etcd;

import io.synod.common.Bytes;
import io.synod.raft.ConfChange;
import io.synod.raft.ConfChange.ChangeType;
import io.synod.raft.ProgressView;
import io.synod.raft.RaftNode;
import io.synod.raft.Role;
import io.synod.raft.replica.Outcome;
import io.synod.raft.replica.ReplicaLoop;
import io.synod.server.cluster.ClusterTable;
import io.synod.server.cluster.Member;
import io.synod.server.cluster.MemberContext;
import io.synod.server.cluster.Wire;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * The leader's side of MemberAdd, MemberRemove, MemberUpdate and MemberPromote: checks a request
 * against the applied member table with etcd's rules and errors, turns it into a Raft membership
 * change whose context carries the member's URLs ({@link MemberContext}), proposes it and answers
 * once it applied, with the members as they are then.
 *
 * <p>The checks are exact because the leader decides only once it applied an entry of its own term
 * (so every earlier change is applied) and Raft accepts one membership change at a time (another
 * one is answered {@link Answer.Retry}); a MemberUpdate is a membership change too (the member
 * re-added in its role with new URLs), so it is ordered with the others.
 *
 * <p><b>Threads.</b> {@link #start} runs on the replica loop's thread; the callback too.
 */
final class MembershipChanges {
  /** etcd's {@code readyPercent}: a learner is in sync when its match is 90 % of the leader's. */
  static final double LEARNER_READY_FRACTION = 0.9;

  /** etcd's {@code maxLearners}. */
  static final int LEARNERS_MAX = 1;

  /** A membership request. */
  sealed interface Request {
    /** MemberAdd; {@code id} was derived where the request arrived (etcd: URLs and the time). */
    record Add(long id, List<String> peerUrls, boolean learner) implements Request {}

    record Remove(long id) implements Request {}

    record Update(long id, List<String> peerUrls) implements Request {}

    record Promote(long id) implements Request {}
  }

  /** What became of a request. */
  sealed interface Answer {
    /** Applied; {@code members} as they are now. */
    record Done(List<Member> members) implements Answer {}

    /** Refused with one of etcd's errors; nothing changed. */
    record Refused(ClusterError error) implements Answer {}

    /** This member does not lead; {@code leaderHint} is the leader it knows, or 0. */
    record NotLeader(long leaderHint) implements Answer {}

    /** Not now (a change is under way, the leader is not ready or is moving); nothing changed. */
    record Retry(String reason) implements Answer {}

    /** It may or may not have been applied. */
    record Unknown(String reason) implements Answer {}
  }

  private final ClusterTable table;

  MembershipChanges(ClusterTable table) {
    this.table = table;
  }

  /** Decides {@code request} on the leader; {@code done} gets the answer (loop thread). */
  void start(ReplicaLoop loop, Request request, Consumer<Answer> done) {
    RaftNode node = loop.node();
    if (node.role() != Role.LEADER) {
      done.accept(new Answer.NotLeader(node.leaderId()));
      return;
    }
    OptionalLong appliedTerm = node.termAt(node.appliedIndex());
    if (appliedTerm.isEmpty() || appliedTerm.getAsLong() != node.term()) {
      done.accept(new Answer.Retry("the leader has not applied its first entry yet"));
      return;
    }
    ConfChange change;
    try {
      change = changeFor(node, request);
    } catch (Refusal r) {
      done.accept(new Answer.Refused(r.error));
      return;
    }
    loop.proposeConfChange(change, outcome -> done.accept(answer(outcome)));
  }

  private Answer answer(Outcome outcome) {
    if (outcome instanceof Outcome.Applied) {
      return new Answer.Done(table.members());
    } else if (outcome instanceof Outcome.NotLeader n) {
      return new Answer.NotLeader(n.leaderHint());
    } else if (outcome instanceof Outcome.Rejected r) {
      return new Answer.Retry(r.reason());
    }
    return new Answer.Unknown(((Outcome.Unknown) outcome).reason());
  }

  /** A request etcd refuses. */
  private static final class Refusal extends Exception {
    final ClusterError error;

    Refusal(ClusterError error) {
      super(error.message(), null, false, false);
      this.error = error;
    }
  }

  private ConfChange changeFor(RaftNode node, Request request) throws Refusal {
    if (request instanceof Request.Add a) {
      if (!a.learner() && !readyToAddVoter()) {
        throw new Refusal(ClusterError.NOT_ENOUGH_STARTED);
      }
      if (table.member(a.id()).isPresent() || table.isRemoved(a.id())) {
        throw new Refusal(ClusterError.MEMBER_EXISTS);
      }
      checkUrlsFree(a.peerUrls(), 0);
      if (a.learner() && learners() + 1 > LEARNERS_MAX) {
        throw new Refusal(ClusterError.TOO_MANY_LEARNERS);
      }
      Bytes ctx = new MemberContext(MemberContext.Op.ADD, "", a.peerUrls()).encode();
      return ConfChange.of(
          a.learner() ? ChangeType.ADD_LEARNER : ChangeType.ADD_VOTER, a.id(), ctx);
    } else if (request instanceof Request.Remove r) {
      Member m = member(r.id());
      if (!m.learner() && !readyToRemoveVoter(r.id())) {
        throw new Refusal(ClusterError.NOT_ENOUGH_STARTED);
      }
      return ConfChange.of(ChangeType.REMOVE, r.id());
    } else if (request instanceof Request.Update u) {
      Member m = member(u.id());
      checkUrlsFree(u.peerUrls(), u.id());
      Bytes ctx = new MemberContext(MemberContext.Op.UPDATE, "", u.peerUrls()).encode();
      return ConfChange.of(
          m.learner() ? ChangeType.ADD_LEARNER : ChangeType.ADD_VOTER, u.id(), ctx);
    }
    Request.Promote p = (Request.Promote) request;
    Member m = member(p.id());
    // etcd's order: the learner's progress first, then whether it is a learner at all.
    if (!inSync(node, p.id())) {
      throw new Refusal(ClusterError.LEARNER_NOT_READY);
    }
    if (!readyToPromote()) {
      throw new Refusal(ClusterError.NOT_ENOUGH_STARTED);
    }
    if (!m.learner()) {
      throw new Refusal(ClusterError.MEMBER_NOT_LEARNER);
    }
    Bytes ctx = new MemberContext(MemberContext.Op.PROMOTE, "", List.of()).encode();
    return ConfChange.of(ChangeType.ADD_VOTER, p.id(), ctx);
  }

  private Member member(long id) throws Refusal {
    Optional<Member> m = table.member(id);
    if (m.isEmpty()) {
      throw new Refusal(ClusterError.MEMBER_NOT_FOUND);
    }
    return m.get();
  }

  private void checkUrlsFree(List<String> urls, long except) throws Refusal {
    for (Member m : table.members()) {
      if (m.id() != except && m.peerUrls().stream().anyMatch(urls::contains)) {
        throw new Refusal(ClusterError.PEER_URL_EXISTS);
      }
    }
  }

  // etcd's strict reconfiguration checks (on by default): a change must leave at least a quorum of
  // started voters (a member is started once it has a name: founding members have theirs from the
  // start, added ones once they published it).

  /** etcd's IsReadyToAddVotingMember. */
  private boolean readyToAddVoter() {
    int voters = 1;
    int started = 0;
    for (Member m : table.members()) {
      if (!m.learner()) {
        voters++;
        started += m.started() ? 1 : 0;
      }
    }
    // Adding a second member to a one-member cluster (restoring a cluster) is allowed.
    return (started == 1 && voters == 2) || started >= voters / 2 + 1;
  }

  /** etcd's IsReadyToRemoveVotingMember. */
  private boolean readyToRemoveVoter(long id) {
    int voters = 0;
    int started = 0;
    for (Member m : table.members()) {
      if (!m.learner() && m.id() != id) {
        voters++;
        started += m.started() ? 1 : 0;
      }
    }
    return started >= voters / 2 + 1;
  }

  /** etcd's IsReadyToPromoteMember: the learner counts as a started voter. */
  private boolean readyToPromote() {
    int voters = 1;
    int started = 1;
    for (Member m : table.members()) {
      if (!m.learner()) {
        voters++;
        started += m.started() ? 1 : 0;
      }
    }
    return started >= voters / 2 + 1;
  }

  private int learners() {
    return (int) table.members().stream().filter(Member::learner).count();
  }

  /** etcd's isLearnerReady: the member's match index is at least 90 % of the leader's. */
  private static boolean inSync(RaftNode node, long id) {
    ProgressView p = node.status().progress().get(id);
    if (p == null) {
      return false;
    }
    ProgressView self = node.status().progress().get(node.id());
    long leaderMatch = self != null ? self.match() : node.lastIndex();
    return p.match() >= LEARNER_READY_FRACTION * leaderMatch;
  }

  // ---------------------------------------------------------------------------------------------
  // Wire form of requests and answers (forwarded to the leader, ForwardKind.MEMBER_CHANGE)

  static Bytes encode(Request r) {
    Wire.Writer w = new Wire.Writer();
    if (r instanceof Request.Add a) {
      w.writeByte(1).writeLong(a.id()).writeStrings(a.peerUrls()).writeBoolean(a.learner());
    } else if (r instanceof Request.Remove x) {
      w.writeByte(2).writeLong(x.id());
    } else if (r instanceof Request.Update u) {
      w.writeByte(3).writeLong(u.id()).writeStrings(u.peerUrls());
    } else {
      w.writeByte(4).writeLong(((Request.Promote) r).id());
    }
    return w.toBytes();
  }

  /**
   * Decodes {@link #encode(Request)}.
   *
   * @throws IllegalArgumentException if malformed
   */
  static Request decodeRequest(Bytes data) {
    Wire.Reader r = new Wire.Reader(data);
    Request request =
        switch (r.readByte()) {
          case 1 -> new Request.Add(r.readLong(), r.readStrings(), r.readBoolean());
          case 2 -> new Request.Remove(r.readLong());
          case 3 -> new Request.Update(r.readLong(), r.readStrings());
          case 4 -> new Request.Promote(r.readLong());
          default -> throw new IllegalArgumentException("unknown member request");
        };
    r.expectEnd();
    return request;
  }

  static Bytes encode(Answer a) {
    Wire.Writer w = new Wire.Writer();
    if (a instanceof Answer.Done d) {
      w.writeByte(1).writeBytes(ClusterTable.encodeMembers(d.members()));
    } else if (a instanceof Answer.Refused r) {
      w.writeByte(2).writeString(r.error().name());
    } else if (a instanceof Answer.NotLeader n) {
      w.writeByte(3).writeLong(n.leaderHint());
    } else if (a instanceof Answer.Retry r) {
      w.writeByte(4).writeString(r.reason());
    } else {
      w.writeByte(5).writeString(((Answer.Unknown) a).reason());
    }
    return w.toBytes();
  }

  /**
   * Decodes {@link #encode(Answer)}.
   *
   * @throws IllegalArgumentException if malformed
   */
  static Answer decodeAnswer(Bytes data) {
    Wire.Reader r = new Wire.Reader(data);
    Answer answer =
        switch (r.readByte()) {
          case 1 -> new Answer.Done(ClusterTable.decodeMembers(Bytes.wrapOwned(r.readBytes())));
          case 2 -> new Answer.Refused(ClusterError.valueOf(r.readString()));
          case 3 -> new Answer.NotLeader(r.readLong());
          case 4 -> new Answer.Retry(r.readString());
          case 5 -> new Answer.Unknown(r.readString());
          default -> throw new IllegalArgumentException("unknown member answer");
        };
    r.expectEnd();
    return answer;
  }
}
