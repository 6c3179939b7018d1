package io.synod.server;

import io.synod.server.node.NodeRunner;
import io.synod.server.node.Proposer;
import io.synod.server.peer.PeerRoster;
import io.synod.server.peer.PeerTransport;
import java.util.concurrent.Executor;

/**
 * What the services on the client port get to work with: who this member is, the replica loop of
 * its Raft group (reads, admin calls, status) and the proposer (writes, forwarded to the leader
 * when needed). Handed to every {@link ClientApi} at start.
 *
 * @param config the member's configuration
 * @param memberId this member's id (etcd's {@code header.member_id})
 * @param clusterId the cluster's id (etcd's {@code header.cluster_id})
 * @param groupId the Raft group the services use
 * @param runner the replica loop's runner
 * @param proposer proposes commands here or at the leader
 * @param peers the peer transport (forward calls of other kinds)
 * @param roster the members this one talks to, following membership changes; its own removal
 * @param executor a small shared pool for quick, non-blocking work off the loop thread (sending
 *     stream responses); never block on it
 */
public record ServerContext(
    ServerConfig config,
    long memberId,
    long clusterId,
    long groupId,
    NodeRunner runner,
    Proposer proposer,
    PeerTransport peers,
    PeerRoster roster,
    Executor executor) {}
