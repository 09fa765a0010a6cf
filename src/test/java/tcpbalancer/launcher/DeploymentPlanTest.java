package tcpbalancer.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.ThreadingModel;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import tcpbalancer.config.ConfigException;

class DeploymentPlanTest {

  private static JsonObject plan(String verticlesJson) {
    return new JsonObject().put("verticles", new JsonObject(verticlesJson));
  }

  @Test
  void entriesKeepFileOrderAndDefaults() {
    DeploymentPlan plan = DeploymentPlan.parse(plan("""
      { "workers": { "verticle": "resize-worker", "instances": 3 },
        "backend": { "config": { "port": 9091 } } }"""));

    assertThat(plan.entries()).extracting(DeploymentPlan.Entry::id).containsExactly("workers", "backend");
    DeploymentPlan.Entry workers = plan.entries().get(0);
    assertThat(workers.kind()).isEqualTo(VerticleKind.RESIZE_WORKER);
    assertThat(workers.instances()).isEqualTo(3);
    assertThat(workers.threadingModel()).isEqualTo(ThreadingModel.WORKER);
    DeploymentPlan.Entry backend = plan.entries().get(1);
    assertThat(backend.kind()).as("the id names the verticle when 'verticle' is absent").isEqualTo(VerticleKind.BACKEND);
    assertThat(backend.threadingModel()).isEqualTo(ThreadingModel.EVENT_LOOP);
    assertThat(backend.deploymentOptions().getConfig().getInteger("port")).isEqualTo(9091);
  }

  @Test
  void nothingToDeployIsRefused() {
    assertThatThrownBy(() -> DeploymentPlan.parse(new JsonObject()))
      .isInstanceOf(ConfigException.class)
      .hasMessageStartingWith("verticles: nothing to deploy");
  }

  @Test
  void unknownVerticleIsNamed() {
    assertThatThrownBy(() -> DeploymentPlan.parse(plan("{ \"x\": { \"verticle\": \"balancer\" } }")))
      .hasMessage("verticles.x.verticle: unknown verticle (known: backend, proxy, client, resize-worker), got 'balancer'");
  }

  @Test
  void portOutOfRangeIsNamedWithItsPath() {
    assertThatThrownBy(() -> DeploymentPlan.parse(plan("{ \"backend\": { \"config\": { \"port\": 70000 } } }")))
      .hasMessage("verticles.backend.config.port: must be between 0 and 65535, got 70000");
  }

  @Test
  void missingPortIsRequired() {
    assertThatThrownBy(() -> DeploymentPlan.parse(plan("{ \"backend\": { } }")))
      .hasMessageStartingWith("verticles.backend.config.port: required");
  }

  @Test
  void misspeltKeysAreNotIgnored() {
    assertThatThrownBy(() -> DeploymentPlan.parse(plan("{ \"backend\": { \"instance\": 2, \"config\": { \"port\": 1 } } }")))
      .hasMessageStartingWith("verticles.backend.instance: unknown key");
    assertThatThrownBy(() -> DeploymentPlan.parse(plan("{ \"backend\": { \"config\": { \"port\": 1, \"prot\": 2 } } }")))
      .hasMessageStartingWith("verticles.backend.config.prot: unknown key");
  }

  @Test
  void badInstancesAndThreadingModelAreNamed() {
    assertThatThrownBy(() -> DeploymentPlan.parse(plan("{ \"resize-worker\": { \"instances\": 0 } }")))
      .hasMessage("verticles.resize-worker.instances: must be between 1 and 1024, got 0");
    assertThatThrownBy(() -> DeploymentPlan.parse(plan("{ \"resize-worker\": { \"threadingModel\": \"fast\" } }")))
      .hasMessageStartingWith("verticles.resize-worker.threadingModel: must be one of EVENT_LOOP, WORKER");
    assertThatThrownBy(() -> DeploymentPlan.parse(plan("{ \"resize-worker\": { \"instances\": \"two\" } }")))
      .hasMessage("verticles.resize-worker.instances: must be a whole number, got 'two'");
  }

  @Test
  void stringNumbersFromOverridesAreAccepted() {
    DeploymentPlan plan = DeploymentPlan.parse(plan("{ \"resize-worker\": { \"instances\": \"2\" } }"));
    assertThat(plan.entries().get(0).instances()).isEqualTo(2);
  }

  @Test
  void dottedOverrideKeysBecomeATree() {
    JsonObject merged = new JsonObject()
      .put("verticles", new JsonObject().put("backend", new JsonObject()
        .put("config", new JsonObject().put("port", 1).put("name", "b"))))
      .put("verticles.backend.config.port", 9092)
      .put("PATH", "/usr/bin");

    JsonObject expanded = ConfigSource.expandDottedKeys(merged);

    assertThat(expanded.getJsonObject("verticles").getJsonObject("backend").getJsonObject("config"))
      .isEqualTo(new JsonObject().put("port", 9092).put("name", "b"));
    assertThat(expanded.containsKey("verticles.backend.config.port")).isFalse();
  }
}
