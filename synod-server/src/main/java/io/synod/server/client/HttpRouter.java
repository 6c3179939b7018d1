package io.synod.server.client;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which {@link HttpEndpoint} serves a path: an exact path first ({@code /version}), then the
 * longest registered prefix ({@code /v3/} for the JSON gateway). Safe from any thread.
 */
public final class HttpRouter {
  private final Map<String, HttpEndpoint> exact = new ConcurrentHashMap<>();
  private final TreeMap<String, HttpEndpoint> prefixes = new TreeMap<>();

  /** Serves exactly {@code path}. */
  public HttpRouter exact(String path, HttpEndpoint endpoint) {
    exact.put(path, endpoint);
    return this;
  }

  /** Serves every path that starts with {@code prefix} (unless a longer prefix or exact path). */
  public HttpRouter prefix(String prefix, HttpEndpoint endpoint) {
    synchronized (prefixes) {
      prefixes.put(prefix, endpoint);
    }
    return this;
  }

  /** The endpoint for {@code path}, or null. */
  public HttpEndpoint find(String path) {
    HttpEndpoint e = exact.get(path);
    if (e != null) {
      return e;
    }
    synchronized (prefixes) {
      for (Map.Entry<String, HttpEndpoint> p : prefixes.descendingMap().entrySet()) {
        if (path.startsWith(p.getKey())) {
          return p.getValue();
        }
      }
    }
    return null;
  }
}
