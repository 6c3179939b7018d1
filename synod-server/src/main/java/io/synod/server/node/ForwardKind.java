package io.synod.server.node;

/** The kinds of {@link Forwarder} calls. Numbers are part of the peer protocol: never reuse one. */
public final class ForwardKind {
  /** A command to propose at the leader; the reply is an encoded {@link ProposalOutcome}. */
  public static final int PROPOSE = 1;

  /** A lease keep-alive for the leader's lease clock; payload and reply in the etcd API's codec. */
  public static final int LEASE_KEEPALIVE = 2;

  /** A lease time-to-live query for the leader's lease clock. */
  public static final int LEASE_TIME_TO_LIVE = 3;

  private ForwardKind() {}
}
