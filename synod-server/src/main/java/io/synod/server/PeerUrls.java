package io.synod.server;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;

/**
 * URL lists as etcd's flags spell them: comma-separated {@code http://host:port}, no path. Only
 * {@code http://} is accepted for now; TLS ({@code https://}) comes later and is refused with a
 * message that says so.
 */
public final class PeerUrls {
  private PeerUrls() {}

  /**
   * Parses a comma-separated list of URLs, normalized to {@code scheme://host:port}.
   *
   * @throws IllegalArgumentException with a one-line message naming {@code flag}
   */
  public static List<String> parseList(String flag, String value) {
    List<String> out = new ArrayList<>();
    for (String part : value.split(",", -1)) {
      String s = part.trim();
      if (s.isEmpty()) {
        throw new IllegalArgumentException(flag + ": empty URL in \"" + value + "\"");
      }
      out.add(parseOne(flag, s));
    }
    return List.copyOf(out);
  }

  /** Parses one URL, normalized to {@code http://host:port}. */
  public static String parseOne(String flag, String s) {
    URI u;
    try {
      u = new URI(s);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(flag + ": invalid URL \"" + s + "\": " + e.getReason());
    }
    String scheme = u.getScheme();
    if ("https".equals(scheme) || "unixs".equals(scheme)) {
      throw new IllegalArgumentException(
          flag + ": \"" + s + "\" needs TLS, which Synod does not support yet; use http://");
    }
    if (!"http".equals(scheme)) {
      throw new IllegalArgumentException(
          flag + ": URL scheme must be http (got \"" + s + "\"; https comes with TLS support)");
    }
    if (u.getHost() == null || u.getPort() < 0) {
      throw new IllegalArgumentException(
          flag + ": URL address does not have the form \"host:port\": " + s);
    }
    if (u.getRawPath() != null && !u.getRawPath().isEmpty()) {
      throw new IllegalArgumentException(flag + ": URL must not contain a path: " + s);
    }
    if (u.getRawQuery() != null || u.getRawFragment() != null || u.getRawUserInfo() != null) {
      throw new IllegalArgumentException(flag + ": URL must be just http://host:port: " + s);
    }
    return "http://" + u.getRawAuthority();
  }

  /** The socket address of a normalized URL (the host is resolved when bound or connected). */
  public static InetSocketAddress address(String url) {
    URI u = URI.create(url);
    return InetSocketAddress.createUnresolved(hostOf(u), u.getPort());
  }

  /** The host of a URL, without the brackets of an IPv6 literal. */
  static String hostOf(URI u) {
    String h = u.getHost();
    if (h.startsWith("[") && h.endsWith("]")) {
      return h.substring(1, h.length() - 1);
    }
    return h;
  }
}
