/**
 * Golden interaction tests of the Raft core, in the style of etcd-io/raft's datadriven tests: a
 * script drives a small cluster of real {@link io.synod.raft.RaftNode}s command by command (see
 * {@code src/test/resources/interaction/README.md}) and every output is compared with the trace
 * recorded in the script. Everything is deterministic: no clock, no threads, per-node seeded
 * randomness; the same script always prints the same trace. Safety (one leader per term, committed
 * entries never change) is checked after every step and can never be rewritten into a golden.
 */
package io.synod.raft.interaction;
