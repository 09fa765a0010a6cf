package tcpbalancer.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tcpbalancer.backend.BackendVerticle;
import tcpbalancer.client.ResizeConnection;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.proxy.ProxyVerticle;
import tcpbalancer.proxy.UpstreamGroup;
import tcpbalancer.proxy.UpstreamState;

/** A clustered proxy with no upstream list finds the cluster's backends, and loses those that leave or die. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterDiscoveryTest {

  private final ClusterNodes cluster = new ClusterNodes(5801, 3);

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void theProxyFollowsBackendsJoiningLeavingAndDying() throws Exception {
    ClusterNodes.Node proxyNode = cluster.start();
    ClusterNodes.Node first = cluster.start();
    ClusterNodes.Node second = cluster.start();

    ProxyVerticle proxy = new ProxyVerticle();
    proxyNode.vertx().deployVerticle(proxy, new DeploymentOptions().setConfig(new JsonObject()
      .put("host", "127.0.0.1").put("port", 0).put("checkIntervalMillis", 200))).await();
    UpstreamGroup group = proxy.runtime().group();
    assertThat(group.upstreams()).as("nothing announced yet").isEmpty();

    ClusterNodes.deployWorkers(first.vertx(), 1).await();
    BackendVerticle b1 = ClusterNodes.deployBackend(first.vertx(), new JsonObject().put("name", "b1")).await();
    ClusterNodes.deployWorkers(second.vertx(), 1).await();
    ClusterNodes.deployBackend(second.vertx(), new JsonObject().put("name", "b2")).await();

    awaitUpstreams("both backends discovered", group, 2);
    assertThat(ports(group)).contains(b1.actualPort());
    assertThat(answeringBackends(proxyNode.vertx(), proxy.actualPort(), 4)).containsExactlyInAnyOrder("b1", "b2");

    // A node that leaves gracefully withdraws its backend at once.
    second.vertx().close().await();
    awaitUpstreams("b2 withdrawn", group, 1);
    assertThat(answeringBackends(proxyNode.vertx(), proxy.actualPort(), 3)).containsOnly("b1");

    // A node that dies (no goodbye) is dropped when the cluster manager notices it is gone.
    ClusterNodes.Node third = cluster.start();
    ClusterNodes.deployWorkers(third.vertx(), 1).await();
    ClusterNodes.deployBackend(third.vertx(), new JsonObject().put("name", "b3")).await();
    awaitUpstreams("b3 discovered", group, 2);
    first.clusterManager().getHazelcastInstance().getLifecycleService().terminate();
    awaitUpstreams("the dead node's backend dropped", group, 1);
    assertThat(answeringBackends(proxyNode.vertx(), proxy.actualPort(), 3)).containsOnly("b3");
  }

  private static List<Integer> ports(UpstreamGroup group) {
    return group.upstreams().stream().map(UpstreamState::upstream).map(u -> u.port()).toList();
  }

  /** Opens {@code connections} connections through the proxy; returns the backends that answered. */
  private static Set<String> answeringBackends(Vertx vertx, int proxyPort, int connections) {
    NetClient client = vertx.createNetClient();
    try {
      Set<String> names = new HashSet<>();
      for (int i = 0; i < connections; i++) {
        ResizeConnection connection = ResizeConnection.connect(client, SocketAddress.inetSocketAddress(proxyPort,
          "127.0.0.1"), 1 << 20).await();
        ResizeResponse answer = connection.send(new ResizeRequest("x.jpg", "jpeg", 10, 10, ResizeMode.FIT, true,
          Buffer.buffer())).await();
        names.add(answer.backend());
        connection.close().await();
      }
      return names;
    } finally {
      client.close().await();
    }
  }

  /** Waits until the proxy's list has {@code size} upstreams: now, or at the change that makes it so. */
  private static void awaitUpstreams(String what, UpstreamGroup group, int size) throws Exception {
    CompletableFuture<Void> reached = new CompletableFuture<>();
    Consumer<List<UpstreamState>> listener = list -> {
      if (list.size() == size) {
        reached.complete(null);
      }
    };
    group.onChange(listener);
    try {
      listener.accept(group.upstreams());
      reached.get(30, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("not within 30 s: " + what);
    } finally {
      group.removeOnChange(listener);
    }
  }
}
