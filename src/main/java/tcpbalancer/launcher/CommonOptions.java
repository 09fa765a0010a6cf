package tcpbalancer.launcher;

import io.vertx.core.json.JsonObject;
import java.util.List;
import picocli.CommandLine.Option;
import tcpbalancer.cluster.ClusterSettings;

/** Flags every program has, as in the original. */
final class CommonOptions {

  @Option(names = "--loglevel", paramLabel = "0|1", defaultValue = "0",
    description = "0 quiet, 1 verbose (default: ${DEFAULT-VALUE})")
  int loglevel;

  @Option(names = "--debug", description = "record a Java Flight Recorder profile, written at exit")
  boolean debug;

  @Option(names = "--help", usageHelp = true, description = "show this help and exit")
  boolean help;

  @Option(names = "--cluster", description = "join the cluster (Hazelcast; see docs/configuration.md)")
  boolean cluster;

  @Option(names = "--cluster-members", paramLabel = "HOST[:PORT],...",
    description = "cluster members to join (default: $TCPBALANCER_CLUSTER_MEMBERS, else 127.0.0.1)")
  String clusterMembers;

  @Option(names = "--cluster-host", paramLabel = "HOST",
    description = "address this node binds and is reached at in the cluster (default: $TCPBALANCER_CLUSTER_HOST)")
  String clusterHost;

  @Option(names = "--cluster-public-host", paramLabel = "HOST",
    description = "address other nodes reach this one at, if not the cluster host (NAT)")
  String clusterPublicHost;

  /** The Vert.x launcher options these flags stand for (the addresses go through {@link #clusterSettings}). */
  List<String> launcherArgs() {
    return cluster ? List.of("-cluster") : List.of();
  }

  /** How this node joins the cluster, or null when it does not. */
  ClusterSettings clusterSettings() {
    if (!cluster) {
      return null;
    }
    return ClusterSettings.fromEnvironment(System.getenv())
      .override(clusterMembers, clusterHost, clusterPublicHost, null, null);
  }

  /** The top-level keys of a deployment config that these flags set. */
  JsonObject toConfig() {
    return new JsonObject().put("loglevel", loglevel).put("debug", debug);
  }
}
