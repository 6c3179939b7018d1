package io.synod.server;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A member's configuration, from etcd's flags and {@code ETCD_*} environment variables ({@link
 * ServerFlags}). Immutable and already validated.
 *
 * @param name this member's name in {@code initialCluster}
 * @param dataDir the data directory ({@code DIR/member/} holds the metadata and the Raft log)
 * @param listenClientUrls where the client port (gRPC and HTTP/1.1) listens
 * @param advertiseClientUrls the client URLs told to clients
 * @param listenPeerUrls where the peer port listens
 * @param initialAdvertisePeerUrls this member's peer URLs, told to the other members
 * @param initialCluster the founding members, or the cluster being joined
 * @param initialClusterState {@code new} to found a cluster, {@code existing} to join one
 * @param initialClusterToken mixed into the member ids, so two clusters with equal URLs differ
 * @param heartbeatMillis the tick interval: Raft's heartbeat; the shell ticks the core this often
 * @param electionMillis the election timeout (a whole number of heartbeats)
 * @param snapshotCount applied entries between two state-machine snapshots
 * @param quotaBackendBytes the storage quota (0: etcd's default of 2 GiB)
 * @param maxTxnOps the most operations in one transaction
 * @param maxRequestBytes the largest client request; the gRPC receive limit is this plus 512 KiB
 * @param autoCompactionMode {@code periodic} or {@code revision}
 * @param autoCompactionRetention the retention of auto compaction ("0" disables it)
 * @param grpcKeepAliveMinTimeMillis the shortest interval between client pings the server permits
 * @param explicitFlags the flags given on the command line or through the environment
 */
public record ServerConfig(
    String name,
    Path dataDir,
    List<String> listenClientUrls,
    List<String> advertiseClientUrls,
    List<String> listenPeerUrls,
    List<String> initialAdvertisePeerUrls,
    InitialCluster initialCluster,
    ClusterState initialClusterState,
    String initialClusterToken,
    long heartbeatMillis,
    long electionMillis,
    long snapshotCount,
    long quotaBackendBytes,
    int maxTxnOps,
    int maxRequestBytes,
    String autoCompactionMode,
    String autoCompactionRetention,
    long grpcKeepAliveMinTimeMillis,
    Set<String> explicitFlags) {

  /** etcd's default backend quota when {@code --quota-backend-bytes} is 0. */
  public static final long DEFAULT_QUOTA_BYTES = 2L << 30;

  /** gRPC accepts messages this much larger than {@code --max-request-bytes} (as etcd does). */
  public static final int GRPC_OVERHEAD_BYTES = 512 * 1024;

  public ServerConfig {
    listenClientUrls = List.copyOf(listenClientUrls);
    advertiseClientUrls = List.copyOf(advertiseClientUrls);
    listenPeerUrls = List.copyOf(listenPeerUrls);
    initialAdvertisePeerUrls = List.copyOf(initialAdvertisePeerUrls);
    explicitFlags = Set.copyOf(explicitFlags);
  }

  /** Raft ticks per election timeout. */
  public int electionTicks() {
    return (int) (electionMillis / heartbeatMillis);
  }

  /** The quota in force. */
  public long effectiveQuotaBytes() {
    return quotaBackendBytes == 0 ? DEFAULT_QUOTA_BYTES : quotaBackendBytes;
  }

  /** The gRPC receive limit: {@code --max-request-bytes} plus 512 KiB. */
  public int grpcMaxReceiveBytes() {
    return (int) Math.min(Integer.MAX_VALUE, (long) maxRequestBytes + GRPC_OVERHEAD_BYTES);
  }

  /** Whether {@code flag} (spelled {@code --name}) was given explicitly. */
  public boolean isExplicit(String flag) {
    return explicitFlags.contains(flag);
  }

  /** A copy with another data directory. */
  public ServerConfig withDataDir(Path dir) {
    return new ServerConfig(
        name,
        dir,
        listenClientUrls,
        advertiseClientUrls,
        listenPeerUrls,
        initialAdvertisePeerUrls,
        initialCluster,
        initialClusterState,
        initialClusterToken,
        heartbeatMillis,
        electionMillis,
        snapshotCount,
        quotaBackendBytes,
        maxTxnOps,
        maxRequestBytes,
        autoCompactionMode,
        autoCompactionRetention,
        grpcKeepAliveMinTimeMillis,
        explicitFlags);
  }
}
