/**
 * The replicated key-value state machine with etcd v3 semantics (see docs/design/kv.md): an MVCC
 * store, transactions, leases and watches, as records that know nothing of protobuf or gRPC.
 * Deterministic: applying the same log gives the same state, the same responses and the same events
 * on every replica and in the simulator.
 */
package io.synod.kv;
