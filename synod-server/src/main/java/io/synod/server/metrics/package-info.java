/**
 * {@code /metrics}: a member's Prometheus metrics (etcd's names where etcd has one), read from
 * values the replica loop publishes and counters updated where the events happen, so a scrape never
 * waits for the loop.
 */
package io.synod.server.metrics;
