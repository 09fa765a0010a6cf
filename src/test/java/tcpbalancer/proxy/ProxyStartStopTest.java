package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static tcpbalancer.proxy.ProxyTestSupport.addresses;
import static tcpbalancer.proxy.ProxyTestSupport.deploy;
import static tcpbalancer.proxy.ProxyTestSupport.deployProxies;
import static tcpbalancer.proxy.ProxyTestSupport.startUpstreams;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The instances of a proxy share one runtime while they run; a stop at any moment of start-up is clean. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ProxyStartStopTest {

  @Test
  void theInstancesShareOneRuntimeWhichTheLastStopEnds(Vertx vertx, VertxTestContext test) {
    startUpstreams(vertx, "a")
      .compose(ups -> deploy(vertx, new JsonObject().put("host", "127.0.0.1").put("port", 0).put("name", "shared")
        .put("check", "connect").put("upstreams", addresses(ups)), 3))
      .compose(deployed -> {
        ProxyRuntime runtime = ProxyRuntime.of(vertx, "shared");
        test.verify(() -> assertThat(deployed.instances()).hasSize(3)
          .allSatisfy(p -> assertThat(p.runtime()).isSameAs(runtime)));
        return vertx.undeploy(deployed.id());
      })
      .onComplete(test.succeeding(v -> test.verify(() -> {
        assertThat(ProxyRuntime.of(vertx, "shared")).as("released by the last instance").isNull();
        test.completeNow();
      })));
  }

  @Test
  void aFailedStartGivesBackTheRuntime(Vertx vertx, VertxTestContext test) {
    // Two proxies of one name on one fixed port of another server: neither can listen.
    vertx.createNetServer().connectHandler(socket -> { }).listen(0, "127.0.0.1")
      .compose(taken -> deployProxies(vertx, new JsonObject().put("name", "unlucky").put("port", taken.actualPort())
        .put("upstreams", new JsonArray().add("127.0.0.1:1")), 2))
      .onComplete(test.failing(e -> test.verify(() -> {
        assertThat(ProxyRuntime.of(vertx, "unlucky")).isNull();
        test.completeNow();
      })));
  }

  @Test
  void aPortInUseIsNamedInTheFailure(Vertx vertx, VertxTestContext test) throws IOException {
    ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1")); // another process's port
    deployProxies(vertx, new JsonObject().put("port", taken.getLocalPort())
        .put("upstreams", new JsonArray().add("127.0.0.1:1")), 1)
      .onComplete(test.failing(e -> test.verify(() -> {
        taken.close();
        assertThat(e).hasMessage("cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": Address already in use");
        test.completeNow();
      })));
  }

  /**
   * Vert.x closing while the instances start (a SIGTERM during start-up): the start of an instance still running
   * must not be completed a second time ("Promise already completed"), and the runtime is stopped. Vert.x ends a
   * deployment, failed or stopped, before its event loops, and its close completes after them.
   */
  @Test
  void closingVertxDuringStartUpReportsNoError(VertxTestContext test) {
    Vertx closing = Vertx.vertx();
    List<Throwable> reported = new CopyOnWriteArrayList<>();
    closing.exceptionHandler(reported::add);
    JsonObject config = new JsonObject().put("host", "127.0.0.1").put("port", 0).put("name", "interrupted")
      .put("upstreams", new JsonArray().add("127.0.0.1:1"));
    Future<String> deployed = closing.deployVerticle(ProxyVerticle::new,
      new DeploymentOptions().setConfig(config).setInstances(4));
    closing.close()
      .onComplete(test.succeeding(v -> test.verify(() -> {
        assertThat(deployed.isComplete()).isTrue();
        assertThat(reported).isEmpty();
        assertThat(ProxyRuntime.of(closing, "interrupted")).as("released by every instance").isNull();
        test.completeNow();
      })));
  }
}
