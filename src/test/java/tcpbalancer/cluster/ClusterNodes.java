package tcpbalancer.cluster;

import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import tcpbalancer.backend.BackendVerticle;
import tcpbalancer.backend.ResizeWorkerVerticle;

/**
 * Several clustered Vert.x nodes in one JVM, on 127.0.0.1, built as the launcher builds them
 * ({@link HazelcastCluster}), in a cluster of their own name so that nothing else on the machine joins.
 */
final class ClusterNodes implements AutoCloseable {

  record Node(Vertx vertx, HazelcastClusterManager clusterManager) {
  }

  private final String clusterName = "test-" + UUID.randomUUID();
  private final int basePort;
  private final int size;
  final List<Node> nodes = new ArrayList<>();

  ClusterNodes(int basePort, int size) {
    this.basePort = basePort;
    this.size = size;
  }

  /** Starts one more node; the seed list names every port the nodes of this cluster may take. */
  Node start() {
    List<String> members = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      members.add("127.0.0.1:" + (basePort + i));
    }
    ClusterSettings settings = new ClusterSettings(members, "127.0.0.1", null, basePort, clusterName);
    VertxOptions options = new VertxOptions();
    options.getEventBusOptions().setPort(0);
    HazelcastClusterManager clusterManager = HazelcastCluster.create(settings, options.getEventBusOptions());
    Vertx vertx = Vertx.builder().with(options).withClusterManager(clusterManager).buildClustered().await();
    ClusterNode.register(vertx, clusterManager);
    Node node = new Node(vertx, clusterManager);
    nodes.add(node);
    awaitOneCluster();
    return node;
  }

  /**
   * Waits until every running node sees all the running nodes. A node that reached no other at its start (on a
   * loaded machine) forms a cluster of its own, until Hazelcast's split-brain check merges it in (every 5 s); a
   * test that went on meanwhile would see its messages lost in that merge.
   */
  private void awaitOneCluster() {
    List<Node> running = nodes.stream()
      .filter(n -> n.clusterManager().getHazelcastInstance().getLifecycleService().isRunning()).toList();
    CompletableFuture<Void> whole = new CompletableFuture<>();
    Runnable check = () -> {
      if (running.stream().allMatch(n -> members(n) == running.size())) {
        whole.complete(null);
      }
    };
    List<Runnable> removals = new ArrayList<>();
    for (Node node : running) {
      HazelcastInstance hazelcast = node.clusterManager().getHazelcastInstance();
      UUID membership = hazelcast.getCluster().addMembershipListener(
        MembershipCallbacks.onChange(event -> check.run(), event -> check.run()));
      UUID lifecycle = hazelcast.getLifecycleService().addLifecycleListener(event -> check.run());
      removals.add(() -> {
        hazelcast.getCluster().removeMembershipListener(membership);
        hazelcast.getLifecycleService().removeLifecycleListener(lifecycle);
      });
    }
    check.run();
    try {
      whole.get(60, TimeUnit.SECONDS);
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      throw new AssertionError("the test cluster's " + running.size() + " nodes did not form one cluster: they see "
        + running.stream().map(n -> members(n) + " members").toList(), e);
    } finally {
      removals.forEach(Runnable::run);
    }
  }

  private static int members(Node node) {
    return node.clusterManager().getHazelcastInstance().getCluster().getMembers().size();
  }

  static Future<String> deployWorkers(Vertx vertx, int instances) {
    return vertx.deployVerticle(ResizeWorkerVerticle::new,
      new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER).setInstances(instances));
  }

  /** Deploys a backend on a free loopback port; completes with the verticle (for its port). */
  static Future<BackendVerticle> deployBackend(Vertx vertx, JsonObject config) {
    BackendVerticle backend = new BackendVerticle();
    return vertx.deployVerticle(backend, new DeploymentOptions().setConfig(
        new JsonObject().put("host", "127.0.0.1").put("port", 0).mergeIn(config)))
      .map(id -> backend);
  }

  @Override
  public void close() {
    for (Node node : nodes) {
      try {
        node.vertx().close().await();
      } catch (RuntimeException e) {
        // already gone (a test crashed it)
      }
    }
  }
}
