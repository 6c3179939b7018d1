package io.synod.server;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * etcd's {@code --initial-cluster}: {@code name=url[,name=url...]}; a name may appear several times
 * with different URLs (a member with several peer URLs). Names keep their order of appearance; each
 * member's URLs are sorted, as etcd sorts them before hashing the member id.
 */
public record InitialCluster(Map<String, List<String>> members) {
  public InitialCluster {
    LinkedHashMap<String, List<String>> copy = new LinkedHashMap<>();
    members.forEach((k, v) -> copy.put(k, List.copyOf(new TreeSet<>(v))));
    members = Collections.unmodifiableMap(copy);
  }

  /**
   * Parses the flag's value.
   *
   * @throws IllegalArgumentException with a one-line message
   */
  public static InitialCluster parse(String value) {
    LinkedHashMap<String, List<String>> members = new LinkedHashMap<>();
    TreeSet<String> seenUrls = new TreeSet<>();
    for (String part : value.split(",", -1)) {
      String s = part.trim();
      int eq = s.indexOf('=');
      if (eq <= 0 || eq == s.length() - 1) {
        throw new IllegalArgumentException(
            "--initial-cluster: \"" + s + "\" is not of the form name=http://host:port");
      }
      String name = s.substring(0, eq);
      String url = PeerUrls.parseOne("--initial-cluster", s.substring(eq + 1));
      if (!seenUrls.add(url)) {
        throw new IllegalArgumentException("--initial-cluster: URL " + url + " appears twice");
      }
      members.computeIfAbsent(name, n -> new ArrayList<>()).add(url);
    }
    return new InitialCluster(members);
  }

  /** A one-member cluster: etcd's default when only --name and the peer URLs are given. */
  public static InitialCluster single(String name, List<String> peerUrls) {
    return new InitialCluster(Map.of(name, peerUrls));
  }

  /** The canonical spelling: names in order, each name's URLs sorted. */
  public String format() {
    List<String> parts = new ArrayList<>();
    members.forEach((name, urls) -> urls.forEach(u -> parts.add(name + "=" + u)));
    return String.join(",", parts);
  }

  @Override
  public String toString() {
    return format();
  }
}
