/**
 * The server: the thin shell around the deterministic core. It owns everything the core may not
 * touch (threads, sockets, files, the clock) and talks to the core only through records: {@link
 * io.synod.server.SynodServer} wires a member together from etcd's flags ({@link
 * io.synod.server.ServerFlags}); each replica loop runs on a thread of its own ({@link
 * io.synod.server.node.NodeRunner}) fed through bounded inboxes; peers talk over gRPC ({@link
 * io.synod.server.peer}); clients over gRPC and HTTP/1.1 on one port ({@link
 * io.synod.server.client}). Invariants: nothing here decides anything Raft or the state machine
 * decides; every queue is bounded and overflow is a Busy answer or a counted drop; no thread other
 * than a loop's own touches that loop.
 */
package io.synod.server;
