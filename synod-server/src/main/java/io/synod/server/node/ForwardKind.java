package io.synod.server.node;

/** The kinds of {@link Forwarder} calls. Numbers are part of the peer protocol: never reuse one. */
public final class ForwardKind {
  /** A command to propose at the leader; the reply is an encoded {@link ProposalOutcome}. */
  public static final int PROPOSE = 1;

  /** A lease keep-alive for the leader's lease clock; payload and reply in the etcd API's codec. */
  public static final int LEASE_KEEPALIVE = 2;

  /** A lease time-to-live query for the leader's lease clock. */
  public static final int LEASE_TIME_TO_LIVE = 3;

  /**
   * A membership change (MemberAdd, Remove, Update, Promote) for the leader to validate and
   * propose; payload and reply in {@code MembershipChanges}' codec.
   */
  public static final int MEMBER_CHANGE = 10;

  /** A joining member asks for the cluster's id and member table (see {@code ClusterJoin}). */
  public static final int CLUSTER_INFO = 11;

  private ForwardKind() {}
}
