package io.synod.raft.interaction;

import io.synod.raft.ConfChange;
import io.synod.raft.Entry;
import io.synod.raft.EntryType;
import io.synod.raft.Envelope;
import io.synod.raft.HardState;
import io.synod.raft.ProgressView;
import io.synod.raft.RaftMessage;
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
import io.synod.raft.Role;
import io.synod.raft.Snapshot;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * How interaction traces print Raft values. Positions are written {@code term/index}, like etcd's
 * {@code Log:1/3}. The format is part of every golden file: change it only together with a rewrite
 * of all of them.
 */
final class TraceFormat {
  private TraceFormat() {}

  static String role(Role role) {
    return role.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** {@code 2/5 "data"}, {@code 2/5 ""} for the leader's no-op, {@code 2/6 conf v4 r1}. */
  static String entry(Entry e) {
    String pos = e.term() + "/" + e.index() + " ";
    if (e.type() == EntryType.CONF_CHANGE) {
      return pos + "conf " + ConfChange.decode(e.data());
    }
    return pos + "\"" + e.data() + "\"";
  }

  static String entries(List<Entry> entries) {
    StringJoiner j = new StringJoiner(", ", "[", "]");
    entries.forEach(e -> j.add(entry(e)));
    return j.toString();
  }

  static String hardState(HardState hs) {
    return "term=" + hs.term() + " vote=" + hs.vote() + " commit=" + hs.commit();
  }

  static String snapshot(Snapshot s) {
    return s.term()
        + "/"
        + s.index()
        + " "
        + s.meta().confState()
        + " bytes="
        + s.data().size()
        + " state="
        + quoteLines(s.data().toStringUtf8());
  }

  private static String quoteLines(String image) {
    return "[" + String.join(" ", image.lines().toList()) + "]";
  }

  /** The short name of a message type, as {@code deliver-msgs type=...} accepts it. */
  static String typeName(RaftMessage body) {
    if (body instanceof VoteRequest v) {
      return v.preVote() ? "PreVote" : "Vote";
    } else if (body instanceof VoteResponse r) {
      return r.preVote() ? "PreVoteResp" : "VoteResp";
    } else if (body instanceof AppendRequest) {
      return "App";
    } else if (body instanceof AppendResponse) {
      return "AppResp";
    } else if (body instanceof HeartbeatRequest) {
      return "Heartbeat";
    } else if (body instanceof HeartbeatResponse) {
      return "HeartbeatResp";
    } else if (body instanceof SnapshotChunk) {
      return "SnapChunk";
    } else if (body instanceof SnapshotChunkResponse) {
      return "SnapChunkResp";
    } else if (body instanceof TimeoutNow) {
      return "TimeoutNow";
    } else if (body instanceof ReadIndexRequest) {
      return "ReadIndex";
    } else if (body instanceof ReadIndexResponse) {
      return "ReadIndexResp";
    }
    throw new AssertionError("unknown message " + body);
  }

  /** {@code 1->2 App term=2 prev=1/3 commit=3 entries=[2/4 ""]}. */
  static String message(Envelope e) {
    RaftMessage body = e.body();
    StringBuilder sb =
        new StringBuilder()
            .append(e.from())
            .append("->")
            .append(e.to())
            .append(' ')
            .append(typeName(body))
            .append(" term=")
            .append(e.term());
    if (body instanceof VoteRequest v) {
      sb.append(" last=").append(v.lastTerm()).append('/').append(v.lastIndex());
      if (v.transfer()) {
        sb.append(" transfer");
      }
    } else if (body instanceof VoteResponse r) {
      sb.append(r.granted() ? " granted" : " rejected");
    } else if (body instanceof AppendRequest a) {
      sb.append(" prev=").append(a.prevTerm()).append('/').append(a.prevIndex());
      sb.append(" commit=").append(a.commit());
      if (a.quiet()) {
        sb.append(" quiet");
      }
      if (!a.entries().isEmpty()) {
        sb.append(" entries=").append(entries(a.entries()));
      }
    } else if (body instanceof AppendResponse r) {
      if (r.success()) {
        sb.append(" index=").append(r.index());
      } else {
        sb.append(" reject prev=").append(r.index());
        sb.append(" hint=").append(r.hintTerm()).append('/').append(r.hintIndex());
      }
    } else if (body instanceof HeartbeatRequest h) {
      sb.append(" commit=").append(h.commit());
      appendRound(sb, h.readRound());
    } else if (body instanceof HeartbeatResponse r) {
      appendRound(sb, r.readRound());
    } else if (body instanceof SnapshotChunk c) {
      sb.append(" snap=").append(c.meta().term()).append('/').append(c.meta().index());
      sb.append(" bytes=[").append(c.offset()).append(',');
      sb.append(c.offset() + c.data().size()).append(")/").append(c.totalBytes());
    } else if (body instanceof SnapshotChunkResponse r) {
      sb.append(" snap=").append(r.snapshotIndex()).append(" next=").append(r.nextOffset());
    } else if (body instanceof ReadIndexRequest r) {
      sb.append(" req=").append(r.requestId());
    } else if (body instanceof ReadIndexResponse r) {
      sb.append(" req=").append(r.requestId()).append(" index=").append(r.index());
    }
    return sb.toString();
  }

  private static void appendRound(StringBuilder sb, long round) {
    if (round != 0) {
      sb.append(" round=").append(round);
    }
  }

  static String progress(long peer, ProgressView p) {
    StringBuilder sb =
        new StringBuilder()
            .append(peer)
            .append(": ")
            .append(p.state().name().toLowerCase(Locale.ROOT))
            .append(" match=")
            .append(p.match())
            .append(" next=")
            .append(p.next());
    if (p.learner()) {
      sb.append(" learner");
    }
    if (!p.recentActive()) {
      sb.append(" inactive");
    }
    return sb.toString();
  }
}
