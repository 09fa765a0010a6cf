package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.SocketAddress;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tcpbalancer.client.ResizeConnection;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.testing.NoDirectMemory;
import tcpbalancer.testing.Topology;

@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class BackendAnswerWriteTest {

  /** Longer than the test's own time limit: a client that waits for its time-out fails the test. */
  private static final long REQUEST_TIMEOUT_MILLIS = 120_000;

  @Test
  void anAnswerThatCannotBeWrittenClosesTheConnection(Vertx vertx, VertxTestContext test) {
    BackendOptions options = BackendOptions.fromJson(new JsonObject().put("port", 0).put("name", "b1"), "config");
    BackendLimits limits = BackendLimits.of(vertx, "answer-write-test", options);
    WorkerDispatch workers = new WorkerDispatch(vertx, options);
    NetServer server = vertx.createNetServer().connectHandler(socket -> {
      NoDirectMemory.install(socket);
      new BackendConnection(socket, options, limits, workers, vertx).start();
    });
    // A dry run is answered without a resize worker: its answer is the write that fails.
    ResizeRequest dryRun = new ResizeRequest("a.jpg", "jpeg", 200, 200, ResizeMode.FIT, true, Buffer.buffer());
    server.listen(0, Topology.HOST)
      .compose(listening -> ResizeConnection.connect(vertx, vertx.createNetClient(),
        SocketAddress.inetSocketAddress(listening.actualPort(), Topology.HOST), Frame.DEFAULT_MAX_BODY_SIZE,
        REQUEST_TIMEOUT_MILLIS))
      .compose(connection -> connection.send(dryRun))
      .onComplete(test.failing(cause -> test.verify(() -> {
        assertThat(cause).hasMessageEndingWith("closed");
        test.completeNow();
      })));
  }
}
