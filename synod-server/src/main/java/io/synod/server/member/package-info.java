/**
 * Member identity and the data directory: ids derived from peer URLs and the cluster token as etcd
 * derives them, the member metadata written atomically at the first start, and the checks that
 * refuse a data directory belonging to another member or cluster, or a corrupt one.
 */
package io.synod.server.member;
