package tcpbalancer.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.SocketAddress;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tcpbalancer.TestImages;
import tcpbalancer.client.ResizeConnection;
import tcpbalancer.config.ConfigException;
import tcpbalancer.config.ConfigUpdates;
import tcpbalancer.config.Listening;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;
import tcpbalancer.testing.Topology;

@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class DeploymentVerticleTest {

  private static Topology backendTopology() {
    return new Topology().workers(1).backend("from-file");
  }

  @Test
  void deploysEveryVerticleOfAFile(Vertx vertx, VertxTestContext test, @TempDir Path dir) throws IOException {
    Path file = dir.resolve("backend.json");
    Files.writeString(file, "// comments are allowed\n" + backendTopology().plan().encodePrettily());

    vertx.deployVerticle(new DeploymentVerticle(ConfigSource.read(file.toString())))
      .onComplete(test.succeeding(id -> test.verify(() -> {
        assertThat(vertx.deploymentIDs()).as("main verticle, workers, backend").hasSize(3);
        vertx.undeploy(id).onComplete(test.succeeding(v -> test.verify(() -> {
          assertThat(vertx.deploymentIDs()).as("undeploying the main verticle stops its children").isEmpty();
          test.completeNow();
        })));
      })));
  }

  @Test
  void aTopologyAnswersThroughItsProxyFromEveryBackend(Vertx vertx, VertxTestContext test) {
    NetClient client = vertx.createNetClient();
    new Topology().workers(1).backend("b1").backend("b2").proxy("lb", "b1", "b2").deploy(vertx)
      .compose(deployed -> {
        SocketAddress proxy = SocketAddress.inetSocketAddress(deployed.port("lb"), Topology.HOST);
        List<Future<ResizeResponse>> answers = new ArrayList<>();
        for (int i = 0; i < 2; i++) { // one connection each: round-robin sends them to different backends
          answers.add(ResizeConnection.connect(client, proxy, 1 << 24)
            .compose(connection -> connection.send(new ResizeRequest("tiny.png", "png", 8, 8, ResizeMode.FIT, false,
              Buffer.buffer(TestImages.synthetic(32, 32, "png"))))));
        }
        return Future.all(answers).map(all -> all.<ResizeResponse>list());
      })
      .onComplete(test.succeeding(answers -> test.verify(() -> {
        assertThat(answers).extracting(ResizeResponse::status).containsOnly(Status.OK);
        assertThat(answers).extracting(ResizeResponse::backend).containsExactlyInAnyOrder("b1", "b2");
        test.completeNow();
      })));
  }

  /** What the fixture's {@code undeploy(server)} relies on: one child of a plan stops, its siblings serve on. */
  @Test
  void oneServerOfARunningPlanCanBeUndeployedAlone(Vertx vertx, VertxTestContext test) {
    NetClient client = vertx.createNetClient();
    new Topology().backend("b1").backend("b2").deploy(vertx)
      .compose(deployed -> deployed.undeploy("b2")
        .compose(v -> ResizeConnection.connect(client, SocketAddress.inetSocketAddress(deployed.port("b1"),
          Topology.HOST), 1 << 24))
        .compose(connection -> connection.send(new ResizeRequest("x.jpg", "jpeg", 8, 8, ResizeMode.FIT, true,
          Buffer.buffer())))
        .onComplete(test.succeeding(answer -> test.verify(() -> {
          assertThat(answer.status()).isEqualTo(Status.OK);
          assertThat(answer.backend()).isEqualTo("b1");
          assertThat(Listening.of(vertx, "b2")).as("b2 no longer listens").isEmpty();
          assertThat(vertx.deploymentIDs()).contains(deployed.deploymentId("b1"))
            .doesNotContain(deployed.deploymentId("b2"));
          test.completeNow();
        }))));
  }

  @Test
  void aVerticleThatCannotStartLeavesNothingDeployed(Vertx vertx, VertxTestContext test) {
    new Topology().workers(1).backend("b1", new JsonObject().put("host", "256.0.0.1")).deploy(vertx)
      .onComplete(test.failing(failure -> test.verify(() -> {
        assertThat(failure).hasMessageStartingWith("b1 (backend) did not start");
        assertThat(vertx.deploymentIDs()).as("the workers started first were undeployed").isEmpty();
        test.completeNow();
      })));
  }

  @Test
  void aBadValueIsRefusedBeforeAnythingDeploys(Vertx vertx, VertxTestContext test) {
    new Topology().workers(1).backend("b1", new JsonObject().put("port", -1)).deploy(vertx)
      .onComplete(test.failing(failure -> test.verify(() -> {
        assertThat(failure).hasMessage("verticles.b1.config.port: must be between 0 and 65535, got -1");
        assertThat(vertx.deploymentIDs()).isEmpty();
        test.completeNow();
      })));
  }

  @Test
  void aTopLevelTypoIsRefusedByName(Vertx vertx, VertxTestContext test) {
    JsonObject plan = new JsonObject().put("verticals", backendTopology().plan().getJsonObject("verticles"));
    vertx.deployVerticle(new DeploymentVerticle(ConfigSource.inline(plan)))
      .onComplete(test.failing(failure -> test.verify(() -> {
        assertThat(failure).hasMessage("verticals: unknown key (known keys: debug, loglevel, verticles)");
        assertThat(vertx.deploymentIDs()).isEmpty();
        test.completeNow();
      })));
  }

  @Test
  void systemPropertiesOverrideTheFile(Vertx vertx, VertxTestContext test) {
    String key = "verticles.from-file.config.name";
    System.setProperty(key, "from-sys");
    ConfigSource.inline(backendTopology().plan()).retriever(vertx).getConfig()
      .onComplete(ar -> System.clearProperty(key))
      .onComplete(test.succeeding(config -> test.verify(() -> {
        JsonObject backend = config.getJsonObject("verticles").getJsonObject("from-file").getJsonObject("config");
        assertThat(backend.getString("name")).isEqualTo("from-sys");
        assertThat(backend.getString("host")).as("the rest of the file is kept").isEqualTo("127.0.0.1");
        test.completeNow();
      })));
  }

  @Test
  void aMissingFileOrBrokenJsonIsReportedByName(@TempDir Path dir) throws IOException {
    assertThatThrownBy(() -> ConfigSource.read("/nonexistent/plan.json")).isInstanceOf(ConfigException.class)
      .hasMessage("-conf /nonexistent/plan.json: no such file");
    Path broken = Files.writeString(dir.resolve("broken.json"), "{ \"verticles\": ");
    assertThatThrownBy(() -> ConfigSource.read(broken.toString())).isInstanceOf(ConfigException.class)
      .hasMessageStartingWith("-conf " + broken + ": not a valid JSON object");
  }

  @Test
  void theFileIsReadOnceAtStartAndAgainOnlyForChanges(Vertx vertx, VertxTestContext test, @TempDir Path dir)
    throws IOException {
    Path file = dir.resolve("backend.json");
    Files.writeString(file, backendTopology().plan().encode());
    ConfigSource source = ConfigSource.read(file.toString());
    Files.writeString(file, "{ \"verticles\": "); // had the start read the file again, it would fail

    vertx.deployVerticle(new DeploymentVerticle(source)).onComplete(test.succeedingThenComplete());
  }

  @Test
  void aChangedFileIsPublishedToTheVerticleItConcerns(Vertx vertx, VertxTestContext test, @TempDir Path dir)
    throws IOException {
    Path file = dir.resolve("proxy.json");
    JsonObject proxy = new JsonObject().put("host", "127.0.0.1").put("port", 0)
      .put("upstreams", new JsonArray().add("127.0.0.1:9"));
    JsonObject plan = new JsonObject().put("verticles", new JsonObject()
      .put("lb", new JsonObject().put("verticle", "proxy").put("instances", 1).put("config", proxy)));
    Files.writeString(file, plan.encode());

    vertx.deployVerticle(new DeploymentVerticle(ConfigSource.read(file.toString())))
      .onComplete(test.succeeding(id -> {
        vertx.eventBus().<JsonObject>localConsumer(ConfigUpdates.ADDRESS, message -> test.verify(() -> {
          assertThat(vertx.deploymentIDs()).contains(message.body().getString("deploymentId"));
          assertThat(message.body().getJsonObject("config").getJsonArray("upstreams"))
            .containsExactly("127.0.0.1:10");
          test.completeNow();
        })).completion().onComplete(test.succeeding(registered -> {
          proxy.put("upstreams", new JsonArray().add("127.0.0.1:10"));
          vertx.fileSystem().writeFile(file.toString(), Buffer.buffer(plan.encode()));
        }));
      }));
  }
}
