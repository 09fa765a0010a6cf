package tcpbalancer.cluster;

import com.hazelcast.config.ClasspathXmlConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;

/**
 * The Hazelcast configuration of a node: {@code conf/cluster.xml} from the jar (TCP-IP join, failure detection
 * in seconds, the maps Vert.x needs), completed with the node's {@link ClusterSettings}.
 */
public final class HazelcastConfigs {

  public static final String RESOURCE = "conf/cluster.xml";

  private HazelcastConfigs() {
  }

  public static Config load(ClusterSettings settings) {
    Config config = new ClasspathXmlConfig(RESOURCE);
    config.setClusterName(settings.name());
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(settings.port());
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(settings.members());
    if (settings.host() != null && settings.host().matches("[0-9.]+")) {
      // Hazelcast binds to interfaces given as IP addresses; for a host name it picks the interface itself.
      network.getInterfaces().setEnabled(true).addInterface(settings.host());
    }
    if (settings.publicHost() != null) {
      // Without a port: Hazelcast adds the port it actually bound (it may move up from the configured one).
      network.setPublicAddress(settings.publicHost());
    }
    return config;
  }
}
