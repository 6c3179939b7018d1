package io.synod.server.node;

/** The kinds of {@link Forwarder} calls. Numbers are part of the peer protocol: never reuse one. */
public final class ForwardKind {
  /** A command to propose at the leader; the reply is an encoded {@link ProposalOutcome}. */
  public static final int PROPOSE = 1;

  private ForwardKind() {}
}
