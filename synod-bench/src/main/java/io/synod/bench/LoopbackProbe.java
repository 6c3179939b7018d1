package io.synod.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The loopback round trip on this machine: one byte there and back over a TCP connection to an echo
 * thread in this process, {@code roundTrips} times. With the disk's fsync latency it bounds what a
 * single client's write can cost at best (the single-client target).
 *
 * @param p50Micros median round trip; -1 if the probe failed
 */
record LoopbackProbe(long p50Micros, long p99Micros, int roundTrips, String note) {
  private static final int SOCKET_TIMEOUT_MILLIS = 5_000;

  static LoopbackProbe run(int roundTrips) {
    Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      server.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
      Thread echo = new Thread(() -> echo(server, roundTrips), "loopback-echo");
      echo.setDaemon(true);
      echo.start();
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
        s.setTcpNoDelay(true);
        s.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        for (int i = 0; i < roundTrips; i++) {
          long start = System.nanoTime();
          out.write(1);
          out.flush();
          if (in.read() < 0) {
            throw new IOException("echo closed early");
          }
          h.recordValue(Math.min(System.nanoTime() - start, h.getHighestTrackableValue()));
        }
      }
      echo.join(SOCKET_TIMEOUT_MILLIS);
    } catch (IOException e) {
      return new LoopbackProbe(-1, -1, 0, "loopback probe failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new LoopbackProbe(-1, -1, 0, "interrupted");
    }
    return new LoopbackProbe(
        h.getValueAtPercentile(50) / 1000, h.getValueAtPercentile(99) / 1000, roundTrips, "");
  }

  private static void echo(ServerSocket server, int roundTrips) {
    try (Socket c = server.accept()) {
      c.setTcpNoDelay(true);
      c.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
      InputStream in = c.getInputStream();
      OutputStream out = c.getOutputStream();
      for (int i = 0; i < roundTrips; i++) {
        int b = in.read();
        if (b < 0) {
          return;
        }
        out.write(b);
        out.flush();
      }
    } catch (IOException e) {
      // The client side reports the failure.
    }
  }
}
