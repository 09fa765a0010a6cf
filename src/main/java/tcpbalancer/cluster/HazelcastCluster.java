package tcpbalancer.cluster;

import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/** Builds the cluster manager of a node: Hazelcast from {@link HazelcastConfigs}, on the addresses of its settings. */
public final class HazelcastCluster {

  private HazelcastCluster() {
  }

  /**
   * The cluster manager for {@code settings}. The event bus takes the settings' addresses unless the launcher's
   * own options ({@code -cluster-host}, {@code -cluster-public-host}) already set them; Hazelcast takes the
   * event bus's, so that both always listen where the other nodes look.
   */
  public static HazelcastClusterManager create(ClusterSettings settings, EventBusOptions eventBus) {
    if (eventBus.getHost() == null && settings.host() != null) {
      eventBus.setHost(settings.host());
    }
    if (eventBus.getClusterPublicHost() == null && settings.publicHost() != null) {
      eventBus.setClusterPublicHost(settings.publicHost());
    }
    ClusterSettings node = settings.override(null, eventBus.getHost(), eventBus.getClusterPublicHost(), null, null);
    return new HazelcastClusterManager(HazelcastConfigs.load(node));
  }
}
