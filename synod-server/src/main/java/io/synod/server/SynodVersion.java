package io.synod.server;

/**
 * The versions Synod reports. {@code /version} claims etcd 3.4.23 and cluster version 3.4.0: the
 * etcd API Synod implements (docs/design/server.md says why).
 */
public final class SynodVersion {
  /** Synod's own version. */
  public static final String SYNOD = "0.1.0-SNAPSHOT";

  /** The etcd server version clients see in {@code /version} and in Maintenance.Status. */
  public static final String ETCD_SERVER = "3.4.23";

  /** The etcd cluster version clients see. */
  public static final String ETCD_CLUSTER = "3.4.0";

  private SynodVersion() {}
}
