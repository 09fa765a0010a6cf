package tcpbalancer.proxy.requests;

import static org.assertj.core.api.Assertions.assertThat;
import static tcpbalancer.proxy.requests.RequestBalancingTest.assertAllOk;
import static tcpbalancer.proxy.requests.RequestBalancingTest.byBackend;
import static tcpbalancer.proxy.requests.RequestBalancingTest.onEventLoop;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tcpbalancer.TestImages;
import tcpbalancer.backend.BackendVerticle;
import tcpbalancer.backend.ResizeWorkerVerticle;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.proxy.ProxyVerticle;
import tcpbalancer.testing.JarProcess;
import tcpbalancer.testing.Topology;

/** Request mode in front of real backends: in process, and as processes one of which is killed mid-run. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
class RequestBalancingBackendsTest {

  private static final String BACKEND_LISTENING = "Backend (\\S+) listening on 127\\.0\\.0\\.1:(\\d+)";

  @TempDir
  Path dir;

  @Test
  void realBackendsShareOneConnectionsRequests(Vertx vertx) {
    Topology.Deployment deployed = new Topology().workers(1).backend("b1").backend("b2").backend("b3")
      .proxy("lb", new JsonObject().put("balance", "requests"), "b1", "b2", "b3").deploy(vertx).await();

    Map<Long, ResizeResponse> answers = onEventLoop(vertx,
      () -> FrameClient.run(vertx.createNetClient(), deployed.port("lb"), 600, 24, 1000));

    assertAllOk(answers, 600);
    assertThat(byBackend(answers.values())).containsOnlyKeys("b1", "b2", "b3");
  }

  /**
   * A backend that accepts only connections starting with a PROXY protocol header, behind an upstream entry with
   * {@code sendProxy}: the proxy's pooled connections to it start with a header too, naming no client (they carry
   * many clients' requests: v2's LOCAL, in v1 their own addresses), as its health checks' do.
   */
  @Test
  void aBackendThatWantsAProxyHeaderGetsOneOnEachPooledConnection(Vertx vertx) {
    vertx.deployVerticle(ResizeWorkerVerticle::new, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER))
      .await();
    for (String version : List.of("v1", "v2")) {
      BackendVerticle backend = new BackendVerticle();
      vertx.deployVerticle(backend, new DeploymentOptions().setConfig(new JsonObject().put("host", "127.0.0.1")
        .put("port", 0).put("name", "wants-" + version).put("acceptProxy", true))).await();
      ProxyVerticle proxy = new ProxyVerticle();
      vertx.deployVerticle(proxy, new DeploymentOptions().setConfig(new JsonObject().put("host", "127.0.0.1")
        .put("port", 0).put("name", "lb-" + version).put("balance", "requests")
        .put("upstreams", new JsonArray().add(new JsonObject().put("address", "127.0.0.1:" + backend.actualPort())
          .put("sendProxy", version))))).await();

      Map<Long, ResizeResponse> answers = onEventLoop(vertx,
        () -> FrameClient.run(vertx.createNetClient(), proxy.actualPort(), 40, 8, 10));

      assertAllOk(answers, 40);
      assertThat(byBackend(answers.values())).as(version).containsOnlyKeys("wants-" + version);
    }
  }

  /**
   * Three backend processes, one resize worker each; the client resends nothing ({@code --retries 0}). The
   * second backend is killed with SIGKILL once it has answered a request: every image is still resized.
   */
  @Test
  void aBackendKilledMidRunCostsTheClientNothing(Vertx vertx) throws Exception {
    Path input = Files.createDirectories(dir.resolve("in"));
    for (int i = 0; i < 12; i++) {
      Files.write(input.resolve("image-" + i + ".jpg"), TestImages.synthetic(640 + i, 480, "jpeg"));
    }
    List<JarProcess> backends = new ArrayList<>();
    try {
      JsonArray upstreams = new JsonArray();
      for (String name : List.of("b1", "b2", "b3")) {
        JarProcess backend = JarProcess.launcher(dir, "backend", "-p", "0", "--host", "127.0.0.1", "--name", name,
          "--workers", "1", "--loglevel", "1");
        backends.add(backend);
        Matcher listening = backend.awaitLine(BACKEND_LISTENING);
        upstreams.add("127.0.0.1:" + listening.group(2));
      }
      ProxyVerticle proxy = new ProxyVerticle();
      vertx.deployVerticle(proxy, new DeploymentOptions().setConfig(new JsonObject().put("host", "127.0.0.1")
        .put("port", 0).put("balance", "requests").put("upstreams", upstreams).put("checkIntervalMillis", 100)
        .put("fall", 1))).await();

      try (JarProcess client = JarProcess.launcher(dir, "client", "--proxy", "127.0.0.1:" + proxy.actualPort(),
        "--input", input.toString(), "--output", dir.resolve("out").toString(), "-w", "64", "-h", "64",
        "--times", "15", "--retries", "0")) {
        backends.get(1).awaitLine("Request \\d+ from \\S+ name=image-\\S+ .* status=OK");
        backends.get(1).close(); // SIGKILL: the requests it holds die with it

        assertThat(client.exitCode()).as(client.output()).isZero();
        try (var results = Files.list(dir.resolve("out"))) {
          assertThat(results.count()).isEqualTo(12);
        }
      }
    } finally {
      backends.forEach(JarProcess::close);
    }
  }
}
