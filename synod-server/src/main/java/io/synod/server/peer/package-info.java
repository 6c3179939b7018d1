/**
 * The peer transport: Raft envelopes in {@link io.synod.raft.RaftCodec} form over one gRPC stream
 * per peer (raw-bytes method descriptors, no .proto), and a stream of generic forward calls per
 * peer. Invariants: never blocks the replica loop; every queue is bounded; every dropped message is
 * counted.
 */
package io.synod.server.peer;
