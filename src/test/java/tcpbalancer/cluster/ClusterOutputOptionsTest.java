package tcpbalancer.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tcpbalancer.TestImages;
import tcpbalancer.backend.BackendVerticle;
import tcpbalancer.client.ResizeConnection;
import tcpbalancer.protocol.OutputFormat;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;

/** A request's mode, output format and quality reach a resize worker on another node of the cluster. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterOutputOptionsTest {

  private final ClusterNodes cluster = new ClusterNodes(5941, 2);

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void aWorkerOnAnotherNodeResizesAsTheRequestAsks() {
    ClusterNodes.Node backendNode = cluster.start();
    ClusterNodes.Node workerNode = cluster.start();
    ClusterNodes.deployWorkers(workerNode.vertx(), 1).await();
    BackendVerticle backend = ClusterNodes.deployBackend(backendNode.vertx(), new JsonObject().put("name", "front"))
      .await();
    byte[] meadow = TestImages.read(TestImages.benchImage("meadow_"));

    NetClient client = backendNode.vertx().createNetClient();
    try {
      ResizeConnection connection = ResizeConnection.connect(client,
        SocketAddress.inetSocketAddress(backend.actualPort(), "127.0.0.1"), 1 << 24).await();
      ResizeResponse low = connection.send(new ResizeRequest("m.png", "png", 40, 30, ResizeMode.FILL, false,
        Buffer.buffer(meadow), OutputFormat.JPEG, 20)).await();
      ResizeResponse high = connection.send(new ResizeRequest("m.png", "png", 40, 30, ResizeMode.FILL, false,
        Buffer.buffer(meadow), OutputFormat.JPEG, 95)).await();

      assertThat(low.status()).as(low.message()).isEqualTo(Status.OK);
      assertThat(low.format()).isEqualTo("jpeg");
      assertThat(new int[] {low.width(), low.height()}).containsExactly(40, 30);
      assertThat(low.image().getBytes()).startsWith((byte) 0xFF, (byte) 0xD8, (byte) 0xFF);
      assertThat(low.image().length()).as("quality 20 is smaller than quality 95").isLessThan(high.image().length());
    } finally {
      client.close().await();
    }
  }
}
