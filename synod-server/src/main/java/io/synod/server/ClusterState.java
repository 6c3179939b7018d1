package io.synod.server;

/** etcd's {@code --initial-cluster-state}: found a new cluster, or join one that exists. */
public enum ClusterState {
  /**
   * A founding member: an empty data directory is bootstrapped with the initial cluster's voters.
   */
  NEW,
  /** A member added to a running cluster: starts empty and learns everything from the leader. */
  EXISTING;

  /** The flag's spelling. */
  public String flagValue() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
