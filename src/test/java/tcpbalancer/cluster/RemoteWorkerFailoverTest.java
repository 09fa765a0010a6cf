package tcpbalancer.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tcpbalancer.TestImages;
import tcpbalancer.backend.BackendVerticle;
import tcpbalancer.backend.ResizeWorkerVerticle;
import tcpbalancer.client.ResizeConnection;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;

/**
 * Work handed to another node's workers is not lost with that node: when the cluster drops the node, the request
 * goes to another worker at once, not after its timeout, and a node that keeps it past {@code remoteTimeoutMillis}
 * loses it to another; but a worker's refusal of an image is final.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RemoteWorkerFailoverTest {

  /** Both limits far above the few seconds the cluster takes to drop a node: only the node's departure can help. */
  private static final JsonObject PATIENT = new JsonObject().put("name", "front")
    .put("requestTimeoutMillis", 60_000).put("remoteTimeoutMillis", 60_000);

  private final ClusterNodes cluster = new ClusterNodes(5861, 3);

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void aRequestHeldByANodeThatLeavesTheClusterIsAnsweredByAnotherNodeWithinSeconds() {
    ClusterNodes.Node front = cluster.start();
    HoldingNodes workers = new HoldingNodes(cluster.start(), cluster.start());
    BackendVerticle backend = ClusterNodes.deployBackend(front.vertx(), PATIENT).await();

    long sent = System.nanoTime();
    Future<ResizeResponse> answer = resize(front.vertx(), backend.actualPort(),
      TestImages.read(TestImages.benchImage("meadow_")));
    ClusterNodes.Node holder = workers.held.future().await();
    holder.clusterManager().getHazelcastInstance().getLifecycleService().terminate();
    ResizeResponse response = answer.await();
    Duration took = Duration.ofNanos(System.nanoTime() - sent);

    assertThat(response.status()).as(response.message()).isEqualTo(Status.OK);
    assertThat(response.width()).isEqualTo(40);
    assertThat(took).as("answered once the cluster dropped the node (at once: its connections closed), not after 60 s")
      .isLessThan(Duration.ofSeconds(20));
    assertThat(workers.receivedByTheOther()).as("the other node resized it").isEqualTo(1);
  }

  @Test
  void aRemoteAttemptPastRemoteTimeoutMillisGoesToAnotherNode() {
    ClusterNodes.Node front = cluster.start();
    HoldingNodes workers = new HoldingNodes(cluster.start(), cluster.start());
    BackendVerticle backend = ClusterNodes.deployBackend(front.vertx(), PATIENT.copy().put("remoteTimeoutMillis",
      1_000)).await();

    long sent = System.nanoTime();
    ResizeResponse response = resize(front.vertx(), backend.actualPort(),
      TestImages.read(TestImages.benchImage("meadow_"))).await();
    Duration took = Duration.ofNanos(System.nanoTime() - sent);

    assertThat(response.status()).as(response.message()).isEqualTo(Status.OK);
    assertThat(took).as("the hung node had 1 s, not the request's 60 s").isLessThan(Duration.ofSeconds(10));
    assertThat(workers.receivedByTheOther()).as("the other node resized it").isEqualTo(1);
  }

  /** Worker nodes; the first of them to receive a request holds it (its worker never gets it), like a hung node. */
  private static final class HoldingNodes {

    final Promise<ClusterNodes.Node> held = Promise.promise();
    final Map<ClusterNodes.Node, AtomicInteger> received = new ConcurrentHashMap<>();

    HoldingNodes(ClusterNodes.Node... nodes) {
      for (ClusterNodes.Node node : nodes) {
        received.put(node, new AtomicInteger());
        node.vertx().eventBus().addInboundInterceptor(delivery -> {
          if (delivery.message().address().startsWith(ResizeWorkerVerticle.ADDRESS)) {
            received.get(node).incrementAndGet();
            if (held.tryComplete(node)) {
              return; // never delivered, never answered
            }
          }
          delivery.next();
        });
        ClusterNodes.deployWorkers(node.vertx(), 1).await();
      }
    }

    int receivedByTheOther() {
      ClusterNodes.Node holder = held.future().result();
      return received.entrySet().stream().filter(e -> e.getKey() != holder).mapToInt(e -> e.getValue().get()).sum();
    }
  }

  @Test
  void aWorkersRefusalIsNotTriedAgainElsewhere() {
    ClusterNodes.Node front = cluster.start();
    AtomicInteger received = new AtomicInteger();
    for (int i = 0; i < 2; i++) {
      ClusterNodes.Node node = cluster.start();
      node.vertx().eventBus().addInboundInterceptor(delivery -> {
        if (delivery.message().address().startsWith(ResizeWorkerVerticle.ADDRESS)) {
          received.incrementAndGet();
        }
        delivery.next();
      });
      ClusterNodes.deployWorkers(node.vertx(), 1).await();
    }
    BackendVerticle backend = ClusterNodes.deployBackend(front.vertx(), PATIENT).await();

    ResizeResponse response = resize(front.vertx(), backend.actualPort(), "not an image at all".getBytes()).await();

    assertThat(response.status()).isEqualTo(Status.NOT_AN_IMAGE);
    assertThat(received).as("one worker judged it; nobody else was asked").hasValue(1);
  }

  /** Sends one request on a connection of its own, closed once answered. */
  private static Future<ResizeResponse> resize(Vertx vertx, int port, byte[] image) {
    NetClient client = vertx.createNetClient();
    return ResizeConnection.connect(client, SocketAddress.inetSocketAddress(port, "127.0.0.1"), 1 << 24)
      .compose(connection -> connection.send(new ResizeRequest("m.png", "png", 40, 40, ResizeMode.FIT, false,
        Buffer.buffer(image))))
      .eventually(() -> client.close());
  }
}
