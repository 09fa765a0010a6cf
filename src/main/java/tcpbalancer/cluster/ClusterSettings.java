package tcpbalancer.cluster;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * How this node joins the Hazelcast cluster. Every value comes from the environment, and a command-line flag
 * overrides it, so that one image runs on a laptop, in compose and on real hosts:
 *
 * <table>
 *   <tr><th>environment</th><th>flag</th><th>meaning</th></tr>
 *   <tr><td>TCPBALANCER_CLUSTER_MEMBERS</td><td>--cluster-members</td><td>comma-separated seed members
 *   (host or host:port), default 127.0.0.1</td></tr>
 *   <tr><td>TCPBALANCER_CLUSTER_HOST</td><td>--cluster-host</td><td>address to bind and to be reached at</td></tr>
 *   <tr><td>TCPBALANCER_CLUSTER_PUBLIC_HOST</td><td>--cluster-public-host</td><td>address others reach this
 *   node at, when it differs (NAT)</td></tr>
 *   <tr><td>TCPBALANCER_CLUSTER_PORT</td><td>--cluster-port</td><td>Hazelcast's port, default 5701</td></tr>
 *   <tr><td>TCPBALANCER_CLUSTER_NAME</td><td>--cluster-name</td><td>clusters with other names are ignored</td></tr>
 * </table>
 */
public record ClusterSettings(List<String> members, String host, String publicHost, int port, String name) {

  public static final int DEFAULT_PORT = 5701;
  public static final String DEFAULT_NAME = "tcpbalancer";

  public static ClusterSettings fromEnvironment(Map<String, String> env) {
    return new ClusterSettings(
      list(env.getOrDefault("TCPBALANCER_CLUSTER_MEMBERS", "127.0.0.1")),
      blankToNull(env.get("TCPBALANCER_CLUSTER_HOST")),
      blankToNull(env.get("TCPBALANCER_CLUSTER_PUBLIC_HOST")),
      Integer.parseInt(env.getOrDefault("TCPBALANCER_CLUSTER_PORT", String.valueOf(DEFAULT_PORT))),
      env.getOrDefault("TCPBALANCER_CLUSTER_NAME", DEFAULT_NAME));
  }

  /** These settings with each non-null argument in place of the current value. */
  public ClusterSettings override(String members, String host, String publicHost, Integer port, String name) {
    return new ClusterSettings(members != null ? list(members) : this.members, host != null ? host : this.host,
      publicHost != null ? publicHost : this.publicHost, port != null ? port : this.port,
      name != null ? name : this.name);
  }

  private static List<String> list(String commaSeparated) {
    return Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.trim();
  }
}
