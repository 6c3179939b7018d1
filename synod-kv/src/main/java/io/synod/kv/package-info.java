/**
 * The replicated key-value state machine with etcd v3 semantics (see docs/design/kv.md): an MVCC
 * store ({@link io.synod.kv.MvccStore}), transactions, leases ({@link io.synod.kv.LeaseTable}, and
 * the leader's {@link io.synod.kv.LeaseKeeper}) and watches ({@link io.synod.kv.WatchHub}), as
 * records that know nothing of protobuf or gRPC, behind {@link io.synod.kv.KvStateMachine}.
 *
 * <p>Invariants: applying the same log gives the same state, responses, events and snapshot bytes
 * on every replica and in the simulator (no clock, no randomness, no hash-ordered iteration); the
 * revision advances by exactly one per write that changes something; a failed command changes
 * nothing; each key's history holds exactly the versions reads at or after the compaction point can
 * see; every watcher gets every matching event exactly once, in order, or a cancel. Everything here
 * is confined to the replica loop's thread.
 */
package io.synod.kv;
