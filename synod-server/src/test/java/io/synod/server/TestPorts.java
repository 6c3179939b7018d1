package io.synod.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Free loopback ports below 32768 (the kernel's ephemeral range starts there, so outgoing
 * connections never take them), for servers whose addresses must be known before they start.
 */
public final class TestPorts {
  private static final SplittableRandom RANDOM = new SplittableRandom();
  private static final TreeSet<Integer> GIVEN = new TreeSet<>();

  private TestPorts() {}

  /** {@code n} distinct ports that were free a moment ago. */
  public static synchronized List<Integer> free(int n) {
    List<Integer> out = new ArrayList<>();
    for (int attempt = 0; out.size() < n; attempt++) {
      if (attempt > 10_000) {
        throw new IllegalStateException("no free ports below 32768");
      }
      int port = RANDOM.nextInt(20_000, 32_000);
      if (!GIVEN.contains(port) && isFree(port)) {
        GIVEN.add(port);
        out.add(port);
      }
    }
    return out;
  }

  private static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
