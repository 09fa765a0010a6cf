package tcpbalancer.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.SocketAddress;
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

/** Resize capacity scales on its own: workers on other nodes serve a backend, as its worker policy says. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterWorkersTest {

  private final ClusterNodes cluster = new ClusterNodes(5831, 2);

  @AfterEach
  void stop() {
    cluster.close();
  }

  /** Counts the resize requests the workers of {@code vertx} receive from the cluster. */
  private static AtomicInteger countRemoteWork(Vertx vertx) {
    AtomicInteger count = new AtomicInteger();
    vertx.eventBus().addInboundInterceptor(context -> {
      if (context.message().address().startsWith(ResizeWorkerVerticle.NODE_ADDRESS_PREFIX)) {
        count.incrementAndGet();
      }
      context.next();
    });
    return count;
  }

  @Test
  void aBackendWithoutWorkersIsServedByAWorkerOnlyNode() {
    ClusterNodes.Node backendNode = cluster.start();
    ClusterNodes.Node workerNode = cluster.start();
    AtomicInteger remote = countRemoteWork(workerNode.vertx());
    ClusterNodes.deployWorkers(workerNode.vertx(), 1).await();
    BackendVerticle backend = ClusterNodes.deployBackend(backendNode.vertx(), new JsonObject().put("name", "front"))
      .await();

    for (int i = 0; i < 3; i++) {
      ResizeResponse answer = resize(backendNode.vertx(), backend.actualPort());
      assertThat(answer.status()).as(answer.message()).isEqualTo(Status.OK);
      assertThat(answer.width()).isEqualTo(40);
      assertThat(answer.backend()).as("the backend names itself; the worker does not know it").isEqualTo("front");
    }
    assertThat(remote).hasValue(3);
  }

  @Test
  void preferLocalKeepsImageBytesHomeWhileSpreadUsesTheCluster() {
    ClusterNodes.Node home = cluster.start();
    ClusterNodes.Node other = cluster.start();
    AtomicInteger remote = countRemoteWork(other.vertx());
    ClusterNodes.deployWorkers(other.vertx(), 2).await();
    ClusterNodes.deployWorkers(home.vertx(), 1).await();
    BackendVerticle preferLocal = ClusterNodes.deployBackend(home.vertx(), new JsonObject().put("name", "local"))
      .await();
    BackendVerticle spread = ClusterNodes.deployBackend(home.vertx(), new JsonObject().put("name", "spread")
      .put("workerPolicy", "spread")).await();

    // One request at a time: the local worker is always idle, so nothing leaves the node.
    for (int i = 0; i < 4; i++) {
      assertThat(resize(home.vertx(), preferLocal.actualPort()).status()).isEqualTo(Status.OK);
    }
    assertThat(remote).as("prefer-local sent nothing away").hasValue(0);

    for (int i = 0; i < 6; i++) {
      assertThat(resize(home.vertx(), spread.actualPort()).status()).isEqualTo(Status.OK);
    }
    assertThat(remote.get()).as("spread used the other node's workers").isPositive();
  }

  private static ResizeResponse resize(Vertx vertx, int port) {
    NetClient client = vertx.createNetClient();
    try {
      ResizeConnection connection = ResizeConnection.connect(client, SocketAddress.inetSocketAddress(port,
        "127.0.0.1"), 1 << 24).await();
      return connection.send(new ResizeRequest("m.png", "png", 40, 40, ResizeMode.FIT, false,
        Buffer.buffer(TestImages.read(TestImages.benchImage("meadow_"))))).await();
    } finally {
      client.close().await();
    }
  }
}
