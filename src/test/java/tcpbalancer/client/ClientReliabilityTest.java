package tcpbalancer.client;

import static org.assertj.core.api.Assertions.assertThat;
import static tcpbalancer.client.ClientTestSupport.clientConfig;
import static tcpbalancer.client.ClientTestSupport.files;
import static tcpbalancer.client.ClientTestSupport.runClient;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tcpbalancer.TestImages;
import tcpbalancer.testing.Topology;

/** A run rides out what a loaded or restarting system does to it: outages, busy answers, slow answers. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class ClientReliabilityTest {

  @TempDir
  Path dir;

  @Test
  void aProxyRestartMidRunLosesNoImage(Vertx vertx, VertxTestContext test) throws IOException {
    Path input = dir.resolve("in");
    Files.createDirectories(input);
    int images = 200;
    for (int i = 0; i < images; i++) {
      Files.write(input.resolve(String.format("image-%03d.jpg", i)), new byte[] {1, 2, 3});
    }
    // Down for 6 s early in the run: longer than a handful of quick reconnects can bridge.
    new Topology().backend("b1").deploy(vertx)
      .compose(deployed -> RestartingRelay.start(vertx, deployed.port("b1"), 10, 6_000))
      .compose(proxy -> runClient(vertx, clientConfig(proxy.port(), input.toString(), dir.resolve("out").toString())
          .put("dryRun", true).put("window", 4))
        .map(report -> {
          assertThat(proxy.restarted().isComplete()).as("the proxy went away and came back\n" + report.toText())
            .isTrue();
          return report;
        }))
      .onComplete(test.succeeding(report -> test.verify(() -> {
        assertThat(report.exitCode()).as(report.toText()).isZero();
        assertThat(report.resizedCount()).isEqualTo(images);
        assertThat(report.toJson().getJsonObject("images").getLong("resent")).isPositive();
        test.completeNow();
      })));
  }

  @Test
  void aShortReconnectTimeoutGivesUpOnAProxyThatStaysAway(Vertx vertx, VertxTestContext test) throws IOException {
    Path input = dir.resolve("in");
    Files.createDirectories(input);
    Files.write(input.resolve("a.jpg"), new byte[] {1, 2, 3});
    vertx.createNetServer().connectHandler(socket -> socket.close()).listen(0, Topology.HOST)
      .compose(server -> {
        int port = server.actualPort();
        return server.close().compose(v -> runClient(vertx, clientConfig(port, input.toString(),
          dir.resolve("out").toString()).put("dryRun", true).put("reconnectTimeoutMillis", 500)));
      })
      .onComplete(test.succeeding(report -> test.verify(() -> {
        assertThat(report.exitCode()).isEqualTo(1);
        assertThat(report.failures().get("a.jpg")).startsWith("cannot connect to the proxy")
          .contains("for 500 ms");
        test.completeNow();
      })));
  }

  @Test
  void busyAnswersFromManyConnectionsAreFlowControlNotFailures(Vertx vertx, VertxTestContext test)
    throws IOException {
    Path input = dir.resolve("in");
    Files.createDirectories(input);
    int images = 24;
    for (int i = 0; i < images; i++) {
      Files.copy(TestImages.benchImage("architecture_"), input.resolve("image-" + i + ".jpg"));
    }
    // 8 connections x window 4 against a backend that takes 2 requests at a time: most answers are busy, far more
    // than the 3 resends meant for lost connections.
    new Topology().workers(1).backend("tight", new JsonObject().put("maxInFlight", 2)).deploy(vertx)
      .compose(deployed -> runClient(vertx, clientConfig(deployed.port("tight"), input.toString(),
        dir.resolve("out").toString())
        .put("minConns", 8).put("maxConns", 8).put("window", 4).put("eventLoops", 2)))
      .onComplete(test.succeeding(report -> test.verify(() -> {
        assertThat(report.exitCode()).as(report.toText()).isZero();
        assertThat(report.resizedCount()).isEqualTo(images);
        assertThat(files(dir.resolve("out"))).hasSize(images);
        test.completeNow();
      })));
  }

  @Test
  void latencyCountsFromTheFirstSendToTheFinalAnswer(Vertx vertx, VertxTestContext test) throws IOException {
    Path input = dir.resolve("in");
    Files.createDirectories(input);
    Files.copy(TestImages.benchImage("meadow_"), input.resolve("m.png"));
    // The first connection never answers: the request times out after 300 ms and is answered at once on the next.
    FakeBackend.start(vertx, (connection, request) -> connection == 0 ? null : FakeBackend.ok(request,
        FakeBackend.PNG))
      .compose(port -> runClient(vertx, clientConfig(port, input.toString(), dir.resolve("out").toString())
        .put("requestTimeoutMillis", 300)))
      .onComplete(test.succeeding(report -> test.verify(() -> {
        assertThat(report.exitCode()).as(report.toText()).isZero();
        assertThat(report.toJson().getJsonObject("images").getLong("resent")).isEqualTo(1);
        assertThat(report.toJson().getJsonObject("latencyMillis").getDouble("max")).isGreaterThanOrEqualTo(300.0);
        test.completeNow();
      })));
  }

  @Test
  void theDefaultRequestTimeoutIsFarBelowTwoMinutes() {
    ClientOptions options = ClientOptions.fromJson(clientConfig(1, "in", "out"), "config");
    assertThat(options.requestTimeoutMillis()).isEqualTo(30_000);
    assertThat(options.reconnectTimeoutMillis()).isGreaterThanOrEqualTo(30_000);
  }
}
