package io.synod.server.member;

import io.synod.server.ServerConfig;
import io.synod.server.StartupException;
import java.util.List;
import java.util.Map;

/**
 * How a member started with {@code --initial-cluster-state existing} learns, at its first start,
 * who it is in the cluster it joins: the cluster's id and the member ids, which it cannot derive
 * from its flags (a member added at run time gets an id from its peer URLs and the time, as in
 * etcd). Asked of the running members.
 */
@FunctionalInterface
public interface JoinLookup {
  /** Derives everything from the flags, as if the member had been founding (no lookup). */
  JoinLookup FROM_FLAGS = cfg -> null;

  /**
   * Looks up the cluster {@code cfg} joins, or returns null to derive the ids from the flags.
   *
   * @throws StartupException if no member answers, or this member was not added to the cluster
   */
  Joined lookup(ServerConfig cfg) throws StartupException;

  /**
   * What a joining member learned.
   *
   * @param memberId its own id, as the cluster's member table has it
   * @param clusterId the cluster's id
   * @param peers every member's peer URLs by id
   * @param names every member's name by id (empty for members not started yet)
   */
  record Joined(
      long memberId, long clusterId, Map<Long, List<String>> peers, Map<Long, String> names) {}
}
