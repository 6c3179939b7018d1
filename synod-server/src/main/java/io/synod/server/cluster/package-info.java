/**
 * The replicated cluster state beside the key-value store: the member table (names and URLs that
 * travel as the context of Raft's membership changes, and publications of started members), the ids
 * removed for good, and the alarms. Everything here is a pure function of the Raft log and lists
 * the same members, in the same order, on every replica; encodings are deterministic and their
 * decoders total.
 */
package io.synod.server.cluster;
