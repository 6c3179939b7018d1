/**
 * Benchmarks, part of the shell: they read the clock, start threads and processes and touch real
 * disks, and never run in {@code mvn verify} (timing belongs in benchmarks, not in pass/fail
 * tests). {@link io.synod.bench.WalBench} ({@code bin/synod-bench wal}) measures the write-ahead
 * log's group commit against the disk's raw fsync latency. {@link io.synod.bench.LoadBench} ({@code
 * bin/synod-bench load}) is a load generator that speaks the etcd v3 gRPC API with the raw stubs,
 * so the same code measures etcd and Synod; {@link io.synod.bench.CompareBench} ({@code
 * bin/synod-bench compare}) runs it against a Synod and an etcd cluster it starts side by side, and
 * always stops them. The JMH micro-benchmarks measure pure code paths such as the record codec.
 * Every loop here is bounded in time.
 */
package io.synod.bench;
