package tcpbalancer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

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
import tcpbalancer.config.ConfigUpdates;

@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class DeploymentVerticleTest {

  private static JsonObject backendPlan(Object port) {
    return new JsonObject().put("verticles", new JsonObject()
      .put("workers", new JsonObject().put("verticle", "resize-worker").put("instances", 1))
      .put("backend", new JsonObject().put("config", new JsonObject()
        .put("host", "127.0.0.1").put("port", port).put("name", "from-file"))));
  }

  @Test
  void deploysEveryVerticleOfAFile(Vertx vertx, VertxTestContext test, @TempDir Path dir) throws IOException {
    Path file = dir.resolve("backend.json");
    Files.writeString(file, "// comments are allowed\n" + backendPlan(0).encodePrettily());

    vertx.deployVerticle(new DeploymentVerticle(ConfigSource.file(file.toString())))
      .onComplete(test.succeeding(id -> test.verify(() -> {
        assertThat(vertx.deploymentIDs()).as("main verticle, workers, backend").hasSize(3);
        vertx.undeploy(id).onComplete(test.succeeding(v -> test.verify(() -> {
          assertThat(vertx.deploymentIDs()).as("undeploying the main verticle stops its children").isEmpty();
          test.completeNow();
        })));
      })));
  }

  @Test
  void aVerticleThatCannotStartLeavesNothingDeployed(Vertx vertx, VertxTestContext test) {
    JsonObject plan = backendPlan(0);
    plan.getJsonObject("verticles").getJsonObject("backend").getJsonObject("config").put("host", "256.0.0.1");

    vertx.deployVerticle(new DeploymentVerticle(ConfigSource.inline(plan)))
      .onComplete(test.failing(failure -> test.verify(() -> {
        assertThat(failure).hasMessageStartingWith("backend (backend) did not start");
        assertThat(vertx.deploymentIDs()).as("the workers started first were undeployed").isEmpty();
        test.completeNow();
      })));
  }

  @Test
  void aBadValueIsRefusedBeforeAnythingDeploys(Vertx vertx, VertxTestContext test) {
    vertx.deployVerticle(new DeploymentVerticle(ConfigSource.inline(backendPlan(-1))))
      .onComplete(test.failing(failure -> test.verify(() -> {
        assertThat(failure).hasMessage("verticles.backend.config.port: must be between 0 and 65535, got -1");
        assertThat(vertx.deploymentIDs()).isEmpty();
        test.completeNow();
      })));
  }

  @Test
  void systemPropertiesOverrideTheFile(Vertx vertx, VertxTestContext test) {
    String key = "verticles.backend.config.name";
    System.setProperty(key, "from-sys");
    ConfigSource.inline(backendPlan(0)).retriever(vertx).getConfig()
      .onComplete(ar -> System.clearProperty(key))
      .onComplete(test.succeeding(config -> test.verify(() -> {
        JsonObject backend = config.getJsonObject("verticles").getJsonObject("backend").getJsonObject("config");
        assertThat(backend.getString("name")).isEqualTo("from-sys");
        assertThat(backend.getString("host")).as("the rest of the file is kept").isEqualTo("127.0.0.1");
        test.completeNow();
      })));
  }

  @Test
  void aMissingFileIsReportedByName(Vertx vertx, VertxTestContext test) {
    vertx.deployVerticle(new DeploymentVerticle(ConfigSource.file("/nonexistent/plan.json")))
      .onComplete(test.failing(failure -> test.verify(() -> {
        assertThat(failure).hasMessageStartingWith("cannot read /nonexistent/plan.json");
        test.completeNow();
      })));
  }

  @Test
  void aChangedFileIsPublishedToTheVerticleItConcerns(Vertx vertx, VertxTestContext test, @TempDir Path dir)
    throws IOException {
    Path file = dir.resolve("proxy.json");
    JsonObject proxy = new JsonObject().put("host", "127.0.0.1").put("port", 0)
      .put("upstreams", new io.vertx.core.json.JsonArray().add("127.0.0.1:9"));
    JsonObject plan = new JsonObject().put("verticles", new JsonObject()
      .put("lb", new JsonObject().put("verticle", "proxy").put("instances", 1).put("config", proxy)));
    Files.writeString(file, plan.encode());

    vertx.deployVerticle(new DeploymentVerticle(ConfigSource.file(file.toString())))
      .onComplete(test.succeeding(id -> {
        vertx.eventBus().<JsonObject>localConsumer(ConfigUpdates.ADDRESS, message -> test.verify(() -> {
          assertThat(vertx.deploymentIDs()).contains(message.body().getString("deploymentId"));
          assertThat(message.body().getJsonObject("config").getJsonArray("upstreams"))
            .containsExactly("127.0.0.1:10");
          test.completeNow();
        })).completion().onComplete(test.succeeding(registered -> {
          proxy.put("upstreams", new io.vertx.core.json.JsonArray().add("127.0.0.1:10"));
          vertx.fileSystem().writeFile(file.toString(), io.vertx.core.buffer.Buffer.buffer(plan.encode()));
        }));
      }));
  }
}
