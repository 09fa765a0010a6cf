package tcpbalancer.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.instance.impl.Node;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;
import tcpbalancer.backend.BackendVerticle;
import tcpbalancer.client.ResizeConnection;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.proxy.ProxyVerticle;
import tcpbalancer.proxy.SendProxy;
import tcpbalancer.proxy.UpstreamGroup;
import tcpbalancer.proxy.UpstreamState;

/** A clustered proxy with no upstream list finds the cluster's backends, and loses those that leave or die. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterDiscoveryTest {

  private final ClusterNodes cluster = new ClusterNodes(5801, 3);
  private final Logger accessLogger = (Logger) LoggerFactory.getLogger("tcpbalancer.access");
  /** The access-log line of the first connection the proxy closed because its upstream's node left. */
  private final CompletableFuture<String> upstreamLeftLine = new CompletableFuture<>();
  private final ListAppender<ILoggingEvent> accessLog = new ListAppender<>() {
    @Override
    protected void append(ILoggingEvent event) {
      if (event.getFormattedMessage().endsWith(" end=upstream-left")) {
        upstreamLeftLine.complete(event.getFormattedMessage());
      }
    }
  };

  @BeforeEach
  void captureAccessLog() {
    accessLog.start();
    accessLogger.addAppender(accessLog);
  }

  @AfterEach
  void stop() {
    accessLogger.detachAppender(accessLog);
    cluster.close();
  }

  @Test
  void theProxyFollowsBackendsJoiningLeavingAndDying() throws Exception {
    ClusterNodes.Node proxyNode = cluster.start();
    ClusterNodes.Node first = cluster.start();
    ClusterNodes.Node second = cluster.start();

    ProxyVerticle proxy = new ProxyVerticle();
    proxyNode.vertx().deployVerticle(proxy, new DeploymentOptions().setConfig(new JsonObject()
      .put("host", "127.0.0.1").put("port", 0).put("checkIntervalMillis", 200)
      .put("accessLog", true))).await();
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
    // Two open connections, one to each backend (round-robin): the one to b1 must not outlive b1's node.
    UpstreamState b1State = group.find("127.0.0.1", b1.actualPort()).orElseThrow();
    NetClient raw = proxyNode.vertx().createNetClient();
    List<CompletableFuture<Void>> closed = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      NetSocket socket = raw.connect(proxy.actualPort(), "127.0.0.1").await();
      CompletableFuture<Void> socketClosed = new CompletableFuture<>();
      socket.closeHandler(v -> socketClosed.complete(null));
      closed.add(socketClosed);
    }
    awaitActive(b1State, 1);
    // Only the cluster membership dies: b1's server still runs and would keep the connection open.
    first.clusterManager().getHazelcastInstance().getLifecycleService().terminate();
    awaitUpstreams("the dead node's backend dropped", group, 1);
    awaitActive(b1State, 0);
    CompletableFuture.anyOf(closed.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    assertThat(closed.stream().filter(CompletableFuture::isDone).count())
      .as("the connection to the departed node's backend was closed, the other one kept").isEqualTo(1);
    assertThat(upstreamLeftLine.get(10, TimeUnit.SECONDS)).as("its access-log line says why")
      .contains(" upstream=127.0.0.1:" + b1.actualPort() + " ");
    assertThat(answeringBackends(proxyNode.vertx(), proxy.actualPort(), 3)).containsOnly("b3");
    raw.close().await();
  }

  @Test
  void theProxyKeepsItsListWhileItsNodeMergesBackIntoTheCluster() throws Exception {
    // The backends' nodes start first: the oldest member is Hazelcast's master, which the proxy's node rejoins.
    ClusterNodes.Node first = cluster.start();
    ClusterNodes.Node second = cluster.start();
    ClusterNodes.Node proxyNode = cluster.start();
    ClusterNodes.deployWorkers(first.vertx(), 1).await();
    ClusterNodes.deployBackend(first.vertx(), new JsonObject().put("name", "b1")).await();
    ClusterNodes.deployWorkers(second.vertx(), 1).await();
    ClusterNodes.deployBackend(second.vertx(), new JsonObject().put("name", "b2")).await();
    ProxyVerticle proxy = new ProxyVerticle();
    proxyNode.vertx().deployVerticle(proxy, new DeploymentOptions().setConfig(new JsonObject()
      .put("host", "127.0.0.1").put("port", 0).put("checkIntervalMillis", 200))).await();
    UpstreamGroup group = proxy.runtime().group();
    awaitUpstreams("both backends discovered", group, 2);
    List<String> before = group.upstreams().stream().map(state -> state.upstream().address()).sorted().toList();

    List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
    Consumer<List<UpstreamState>> recorder = list -> sizes.add(list.size());
    group.onChange(recorder);
    HazelcastInstance hazelcast = proxyNode.clusterManager().getHazelcastInstance();
    CompletableFuture<LifecycleEvent.LifecycleState> mergeEnd = new CompletableFuture<>();
    // From the moment the proxy's node starts merging, announcements keep reaching its proxy (at most 1,000, 5 ms
    // apart, delivered locally, as the cluster's would be): each has it look at the directory again, also while its
    // node knows no member but itself, between forgetting the cluster and having joined it again.
    Vertx vertx = proxyNode.vertx();
    AtomicInteger published = new AtomicInteger();
    long[] announcing = {-1};
    hazelcast.getLifecycleService().addLifecycleListener(event -> {
      if (event.getState() == LifecycleEvent.LifecycleState.MERGING) {
        announcing[0] = vertx.setPeriodic(5, id -> {
          if (published.incrementAndGet() <= 1_000) {
            vertx.eventBus().publish(BackendDirectory.CHANGED_ADDRESS, new JsonObject(),
              new DeliveryOptions().setLocalOnly(true));
          }
        });
      } else if (event.getState() == LifecycleEvent.LifecycleState.MERGED
        || event.getState() == LifecycleEvent.LifecycleState.MERGE_FAILED) {
        vertx.cancelTimer(announcing[0]);
        mergeEnd.complete(event.getState());
      }
    });
    // What Hazelcast's split-brain check does on the smaller side of a split: forget the cluster, join the master's.
    Node node = ((HazelcastInstanceProxy) hazelcast).getOriginal().node;
    node.getClusterService().merge(node.getClusterService().getMasterAddress());
    assertThat(mergeEnd.get(60, TimeUnit.SECONDS)).isEqualTo(LifecycleEvent.LifecycleState.MERGED);
    assertThat(published.get()).as("announcements published during the merge").isPositive();

    awaitUpstreams("both backends listed after the merge", group, 2);
    group.removeOnChange(recorder);
    assertThat(group.upstreams().stream().map(state -> state.upstream().address()).sorted().toList())
      .isEqualTo(before);
    assertThat(sizes).as("the sizes the proxy's list went through while its node merged").doesNotContain(0);
    assertThat(answeringBackends(proxyNode.vertx(), proxy.actualPort(), 4)).containsExactlyInAnyOrder("b1", "b2");
  }

  /**
   * A backend that accepts only connections starting with a PROXY protocol header says so in its announcement,
   * and the proxy sends it one (v2), checks included: without it the backend would refuse every connection.
   */
  @Test
  void aBackendThatWantsAProxyHeaderGetsOneFromTheProxyThatDiscoversIt() throws Exception {
    ClusterNodes.Node proxyNode = cluster.start();
    ClusterNodes.Node backendNode = cluster.start();
    ClusterNodes.deployWorkers(backendNode.vertx(), 1).await();
    ClusterNodes.deployBackend(backendNode.vertx(), new JsonObject().put("name", "wants-a-header")
      .put("acceptProxy", true)).await();
    ProxyVerticle proxy = new ProxyVerticle();
    proxyNode.vertx().deployVerticle(proxy, new DeploymentOptions().setConfig(new JsonObject()
      .put("host", "127.0.0.1").put("port", 0).put("checkIntervalMillis", 200))).await();
    UpstreamGroup group = proxy.runtime().group();
    awaitUpstreams("the backend discovered", group, 1);

    assertThat(group.upstreams().get(0).upstream().sendProxy()).isEqualTo(SendProxy.V2);
    assertThat(answeringBackends(proxyNode.vertx(), proxy.actualPort(), 3)).containsExactly("wants-a-header");
    assertThat(group.upstreams().get(0).isUp()).as("its checks pass, with a header of their own").isTrue();
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

  /** Waits until {@code upstream} has {@code active} connections: now, or at the change that makes it so. */
  private static void awaitActive(UpstreamState upstream, int active) throws Exception {
    CompletableFuture<Void> reached = new CompletableFuture<>();
    Consumer<UpstreamState> listener = state -> {
      if (state.active() == active) {
        reached.complete(null);
      }
    };
    upstream.onActiveChange(listener);
    try {
      listener.accept(upstream);
      reached.get(10, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError(upstream + " did not reach " + active + " active connections within 10 s");
    } finally {
      upstream.removeOnActiveChange(listener);
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
