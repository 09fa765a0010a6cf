package tcpbalancer.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

/**
 * This Vert.x's place in the cluster, for verticles: its node id, the ids of the live nodes, its address, and
 * a way to hear when nodes join or leave. Absent when Vert.x is not clustered.
 */
public final class ClusterNode implements Shareable {

  private static final String MAP = "tcpbalancer.cluster";
  private static final String KEY = "node";

  private final HazelcastClusterManager clusterManager;

  private ClusterNode(HazelcastClusterManager clusterManager) {
    this.clusterManager = clusterManager;
  }

  /** Makes the cluster manager of a clustered {@code vertx} known to its verticles (once, after it started). */
  public static void register(Vertx vertx, HazelcastClusterManager clusterManager) {
    vertx.sharedData().getLocalMap(MAP).put(KEY, new ClusterNode(clusterManager));
  }

  /** The node of {@code vertx}, or null when it is not clustered. */
  public static ClusterNode of(Vertx vertx) {
    return (ClusterNode) vertx.sharedData().getLocalMap(MAP).get(KEY);
  }

  public String nodeId() {
    return clusterManager.getNodeId();
  }

  public Set<String> liveNodeIds() {
    return new HashSet<>(clusterManager.getNodes());
  }

  /** The address other nodes reach this one at. */
  public String host() {
    String host = clusterManager.clusterPublicHost();
    return host != null ? host : clusterManager.getHazelcastInstance().getCluster().getLocalMember().getAddress()
      .getHost();
  }

  /** Calls {@code onChange} (on a Hazelcast thread) whenever a node joins or leaves; returns the registration. */
  public UUID onMembershipChange(Runnable onChange) {
    return clusterManager.getHazelcastInstance().getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        onChange.run();
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        onChange.run();
      }
    });
  }

  public void removeListener(UUID registration) {
    clusterManager.getHazelcastInstance().getCluster().removeMembershipListener(registration);
  }
}
