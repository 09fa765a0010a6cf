package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static tcpbalancer.proxy.ProxyTestSupport.whenUp;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tcpbalancer.TestImages;
import tcpbalancer.backend.BackendVerticle;
import tcpbalancer.backend.ResizeWorkerVerticle;
import tcpbalancer.client.ClientVerticle;
import tcpbalancer.client.RunReport;
import tcpbalancer.protocol.Status;
import tcpbalancer.testing.KeptClients;

/**
 * A backend that accepts connections but never answers (a stopped process: the kernel still accepts) fails the
 * default health check, is taken down, and a run through the proxy loses no image; one that answers again
 * comes back.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class ProxyHealthCheckTest {

  // A good backend must answer within TIMEOUT while the run keeps this machine's two cores busy.
  private static final int INTERVAL = 1_000;
  private static final int TIMEOUT = 1_000;
  private static final int FALL = 2;
  private static final int RISE = 2;
  /** Timers and event loops on a machine busy with other builds run late by this much at most. */
  private static final int SCHEDULING_SLACK = 1_000;
  /** The longest the checks may take to find a backend hung, or answering again. */
  private static final long DOWN_WITHIN = (long) FALL * INTERVAL + TIMEOUT + SCHEDULING_SLACK;
  private static final long UP_WITHIN = (long) RISE * INTERVAL + TIMEOUT + SCHEDULING_SLACK;

  @TempDir
  Path dir;

  @Test
  void aHungBackendIsMarkedDownAndARunThroughTheProxyLosesNoImage(Vertx vertx, VertxTestContext test) {
    int images = TestImages.benchImages().size();
    Path input = TestImages.benchImages().get(0).getParent();
    long[] deployedAt = new long[1];
    List<UpstreamState> upstreams = new ArrayList<>(); // the proxy's, which the end of the test undeploys
    vertx.deployVerticle(ResizeWorkerVerticle::new,
        new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER).setInstances(2))
      .compose(w -> Future.all(backend(vertx, "b1"), backend(vertx, "b2"), FakeBackend.hung(vertx)))
      .compose(all -> {
        JsonArray addresses = new JsonArray().add(all.<String>resultAt(0)).add(all.<FakeBackend>resultAt(2).address())
          .add(all.<String>resultAt(1));
        deployedAt[0] = System.currentTimeMillis();
        return deployProxy(vertx, new JsonObject().put("upstreams", addresses)); // the default check: resize
      })
      .compose(p -> {
        upstreams.addAll(p.runtime().upstreams());
        UpstreamState hung = upstreams.get(1);
        Future<Void> down = whenUp(hung, false)
          .timeout(DOWN_WITHIN - (System.currentTimeMillis() - deployedAt[0]), TimeUnit.MILLISECONDS);
        // The run starts at once, with the client's own request timeout of 120 s: the connections through the hung
        // backend are closed when it is taken down, and their requests resent at once.
        JsonObject client = new JsonObject().put("proxy", "127.0.0.1:" + p.actualPort())
          .put("input", input.toString()).put("output", dir.resolve("out").toString()).put("width", 100)
          .put("height", 100).put("minConns", 3).put("maxConns", 3).put("window", 1).put("times", 2);
        Future<RunReport> run = runClient(vertx, client);
        return Future.all(down, run).compose(v -> stopChecks(vertx, p)).map(v -> run.result());
      })
      .onComplete(test.succeeding(report -> test.verify(() -> {
        assertThat(report.exitCode()).as(report.toText()).isZero();
        assertThat(report.resizedCount()).isEqualTo(2L * images);
        assertThat(report.backends().keySet()).containsExactlyInAnyOrder("b1", "b2");
        assertThat(report.toJson().getJsonObject("images").getLong("resent"))
          .as("requests sent through the hung backend before it was down, resent elsewhere").isPositive();
        assertThat(upstreams.get(1).isUp()).as("the hung backend").isFalse();
        assertThat(upstreams.get(1).lastStateChange()).get().extracting(UpstreamState.StateChange::reason)
          .isEqualTo(FALL + " health checks failed in a row (last: no answer within " + TIMEOUT + " ms)");
        assertThat(upstreams.get(0).isUp() && upstreams.get(2).isUp()).as("the answering backends").isTrue();
        test.completeNow();
      })));
  }

  @Test
  void aHungBackendThatAnswersAgainComesBack(Vertx vertx, VertxTestContext test) {
    FakeBackend.hung(vertx)
      .compose(fake -> deployProxy(vertx, new JsonObject().put("upstreams", new JsonArray().add(fake.address())))
        .compose(p -> {
          UpstreamState state = p.runtime().upstreams().get(0);
          return whenUp(state, false).timeout(DOWN_WITHIN, TimeUnit.MILLISECONDS)
            .compose(v -> {
              fake.answer(Status.OK);
              return whenUp(state, true).timeout(UP_WITHIN, TimeUnit.MILLISECONDS);
            })
            .compose(v -> stopChecks(vertx, p))
            .map(v -> state.lastStateChange());
        }))
      .onComplete(test.succeeding(change -> test.verify(() -> {
        assertThat(change).get().extracting(UpstreamState.StateChange::up, UpstreamState.StateChange::reason)
          .containsExactly(true, RISE + " health checks passed in a row");
        test.completeNow();
      })));
  }

  @Test
  void theConnectionsOfABackendTakenDownAreClosed(Vertx vertx, VertxTestContext test) {
    FakeBackend.hung(vertx)
      .compose(fake -> deployProxy(vertx, new JsonObject().put("upstreams", new JsonArray().add(fake.address()))))
      .compose(p -> KeptClients.create(vertx).connect(p.actualPort(), "127.0.0.1").compose(socket -> {
        Promise<Void> closed = Promise.promise();
        socket.closeHandler(v -> closed.complete());
        socket.write("a request the hung backend never answers");
        return closed.future().timeout(DOWN_WITHIN, TimeUnit.MILLISECONDS);
      }).compose(v -> stopChecks(vertx, p)))
      .onComplete(test.succeedingThenComplete());
  }

  /**
   * Undeploys the proxy before the test ends: a check connecting while Vert.x closes makes the upstream's server
   * log "Failed to register an accepted channel".
   */
  private static Future<Void> stopChecks(Vertx vertx, ProxyVerticle proxy) {
    return vertx.undeploy(proxy.deploymentID());
  }

  private static Future<String> backend(Vertx vertx, String name) {
    BackendVerticle backend = new BackendVerticle();
    return vertx.deployVerticle(backend, new DeploymentOptions().setConfig(new JsonObject().put("host", "127.0.0.1")
      .put("port", 0).put("name", name))).map(id -> "127.0.0.1:" + backend.actualPort());
  }

  private static Future<ProxyVerticle> deployProxy(Vertx vertx, JsonObject config) {
    JsonObject full = new JsonObject().put("host", "127.0.0.1").put("port", 0).put("name", "checked")
      .put("checkIntervalMillis", INTERVAL).put("checkTimeoutMillis", TIMEOUT).put("fall", FALL).put("rise", RISE)
      .put("drainTimeoutMillis", 0).mergeIn(config); // and the default check
    return ProxyTestSupport.deploy(vertx, full, 2).map(deployed -> deployed.instances().get(0));
  }

  private static Future<RunReport> runClient(Vertx vertx, JsonObject config) {
    ClientVerticle client = new ClientVerticle();
    return vertx.deployVerticle(client, new DeploymentOptions().setConfig(config)).compose(id -> client.finished());
  }
}
