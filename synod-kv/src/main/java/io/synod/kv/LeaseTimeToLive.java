package io.synod.kv;

import io.synod.common.Bytes;
import java.util.List;

/**
 * etcd's LeaseTimeToLiveResponse: {@code ttlSeconds} is the remaining time, floored, or -1 for an
 * unknown (expired and revoked) lease, which then has {@code grantedTtlSeconds} 0 and no keys.
 */
public record LeaseTimeToLive(long id, long ttlSeconds, long grantedTtlSeconds, List<Bytes> keys) {
  public LeaseTimeToLive {
    keys = List.copyOf(keys);
  }

  public boolean isKnown() {
    return ttlSeconds >= 0;
  }
}
