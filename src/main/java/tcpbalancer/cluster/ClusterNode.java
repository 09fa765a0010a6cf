package tcpbalancer.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.core.LifecycleEvent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This Vert.x's place in the cluster, for verticles: its node id, the ids of the live nodes, its address, which
 * nodes consume an address, and ways to hear when nodes join or leave and when this node merged back after a
 * split. Absent when Vert.x is not clustered.
 */
public final class ClusterNode implements Shareable {

  private static final String MAP = "tcpbalancer.cluster";
  private static final String KEY = "node";
  /** The member attribute in which the Vert.x cluster manager keeps a member's Vert.x node id. */
  private static final String NODE_ID_ATTRIBUTE = "__vertx.nodeId";
  private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);

  private final HazelcastClusterManager clusterManager;

  private ClusterNode(HazelcastClusterManager clusterManager) {
    this.clusterManager = clusterManager;
  }

  /**
   * Makes the cluster manager of a clustered {@code vertx} known to its verticles (once, after it started), and
   * logs each member that leaves.
   */
  public static void register(Vertx vertx, HazelcastClusterManager clusterManager) {
    ClusterNode node = new ClusterNode(clusterManager);
    vertx.sharedData().getLocalMap(MAP).put(KEY, node);
    node.onMemberLeft(event -> log.warn("{}", memberLeft(event)));
  }

  /**
   * Our one line for a member that left, such as {@code Cluster member 10.0.0.3:5701 (node 3f2a...) left; 2 members
   * remain: 10.0.0.1:5701, 10.0.0.2:5701}. Hazelcast says it in several WARN lines, which {@code --loglevel 0} hides
   * (tcpbalancer.launcher.LogLevels).
   */
  static String memberLeft(MembershipEvent event) {
    Member left = event.getMember();
    String nodeId = nodeIdOf(left);
    Set<Member> remaining = event.getMembers();
    return "Cluster member " + address(left) + " (node " + (nodeId == null ? "unknown" : nodeId) + ") left; "
      + remaining.size() + (remaining.size() == 1 ? " member remains: " : " members remain: ")
      + remaining.stream().map(ClusterNode::address).collect(Collectors.joining(", "));
  }

  private static String address(Member member) {
    return member.getAddress().getHost() + ":" + member.getAddress().getPort();
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
    return clusterManager.getHazelcastInstance().getCluster()
      .addMembershipListener(MembershipCallbacks.onChange(event -> onChange.run(), event -> onChange.run()));
  }

  /**
   * Calls {@code onLeft} (on a Hazelcast thread) with the Vert.x node id of each node that leaves the cluster,
   * as soon as the cluster drops it; returns the registration (for {@link #removeListener}).
   */
  public UUID onNodeLeft(Consumer<String> onLeft) {
    return onMemberLeft(event -> {
      String nodeId = nodeIdOf(event.getMember());
      if (nodeId != null) {
        onLeft.accept(nodeId);
      }
    });
  }

  private UUID onMemberLeft(Consumer<MembershipEvent> onLeft) {
    return clusterManager.getHazelcastInstance().getCluster()
      .addMembershipListener(MembershipCallbacks.onChange(event -> { }, onLeft));
  }

  private static String nodeIdOf(Member member) {
    return member.getAttribute(NODE_ID_ATTRIBUTE);
  }

  /**
   * Calls {@code onMerged} (on Hazelcast's merge thread: it must not block) each time this node has merged back
   * into the cluster after a split, such as a pause longer than the heartbeat timeout. The merge keeps the larger
   * side's data, so what this node had put in cluster-wide maps may be gone. Returns the registration (for
   * {@link #removeMergeListener}).
   */
  public UUID onMerged(Runnable onMerged) {
    return clusterManager.getHazelcastInstance().getLifecycleService().addLifecycleListener(event -> {
      if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
        onMerged.run();
      }
    });
  }

  /**
   * Calls {@code onStarted} when this node starts merging back into the cluster after a split, and {@code onEnded}
   * when the merge is over, whether it joined or not. In between, this node's member list holds only itself (Hazelcast
   * forgets its old cluster before it joins the other), so {@link #liveNodeIds} says nothing of the others. Both run
   * on Hazelcast's merge thread, before it goes on: they must not block. Returns the registration (for
   * {@link #removeMergeListener}).
   */
  public UUID onMerge(Runnable onStarted, Runnable onEnded) {
    return clusterManager.getHazelcastInstance().getLifecycleService().addLifecycleListener(event -> {
      LifecycleEvent.LifecycleState state = event.getState();
      if (state == LifecycleEvent.LifecycleState.MERGING) {
        onStarted.run();
      } else if (state == LifecycleEvent.LifecycleState.MERGED || state == LifecycleEvent.LifecycleState.MERGE_FAILED) {
        onEnded.run();
      }
    });
  }

  public void removeMergeListener(UUID registration) {
    clusterManager.getHazelcastInstance().getLifecycleService().removeLifecycleListener(registration);
  }

  /** The ids of the nodes with at least one clustered consumer of {@code address}, on the caller's context. */
  public Future<Set<String>> nodesConsuming(String address) {
    Promise<List<RegistrationInfo>> registrations = Promise.promise();
    clusterManager.getRegistrations(address, registrations);
    return registrations.future().map(list -> {
      Set<String> nodes = new HashSet<>();
      for (RegistrationInfo registration : list) {
        if (!registration.localOnly()) {
          nodes.add(registration.nodeId());
        }
      }
      return nodes;
    });
  }

  public void removeListener(UUID registration) {
    clusterManager.getHazelcastInstance().getCluster().removeMembershipListener(registration);
  }
}
