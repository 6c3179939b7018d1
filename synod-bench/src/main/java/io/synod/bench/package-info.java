/**
 * Benchmarks, part of the shell: they read the clock, start threads and touch real disks, and never
 * run in {@code mvn verify} (timing belongs in benchmarks, not in pass/fail tests). {@link
 * io.synod.bench.WalBench} ({@code bin/synod-bench wal}) measures the write-ahead log's group
 * commit against the disk's raw fsync latency; the JMH micro-benchmarks measure pure code paths
 * such as the record codec. Every loop here is bounded in time.
 */
package io.synod.bench;
