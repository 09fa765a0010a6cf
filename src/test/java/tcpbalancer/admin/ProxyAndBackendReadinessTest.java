package tcpbalancer.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.NetServer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tcpbalancer.proxy.ProxyRuntime;
import tcpbalancer.proxy.UpstreamState;
import tcpbalancer.testing.Topology;

/**
 * A proxy's and a backend's {@code /ready}, deployed as the launcher deploys them: the proxy is ready while one
 * upstream is up, the backend once resize workers are registered; each announces its endpoint as NAME-admin.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ProxyAndBackendReadinessTest {

  private static final JsonObject ADMIN = new JsonObject().put("admin", new JsonObject().put("port", 0));

  private static Future<HttpResponse<Buffer>> ready(Vertx vertx, Topology.Deployment deployed, String server) {
    HostAndPort admin = deployed.address(server + "-admin");
    return WebClient.create(vertx).get(admin.port(), admin.host(), "/ready").send();
  }

  /** Completes at the first state change of {@code upstream} to {@code up}. */
  private static Future<Void> next(UpstreamState upstream, boolean up) {
    Promise<Void> changed = Promise.promise();
    Consumer<UpstreamState.StateChange> listener = change -> {
      if (change.up() == up) {
        changed.tryComplete();
      }
    };
    upstream.onStateChange(listener);
    return changed.future().onComplete(done -> upstream.removeOnStateChange(listener));
  }

  private static JsonObject check(HttpResponse<Buffer> response, String id) {
    JsonArray checks = response.bodyAsJsonObject().getJsonArray("checks");
    return checks.stream().map(JsonObject.class::cast).filter(c -> id.equals(c.getString("id"))).findFirst()
      .orElseThrow(() -> new AssertionError("no check " + id + " in " + response.bodyAsString()));
  }

  @Test
  void aProxyIsNotReadyWhileEveryUpstreamIsDownAndReadyWhenOneComesBack(Vertx vertx, VertxTestContext test) {
    NetServer upstream = vertx.createNetServer().connectHandler(socket -> socket.close());
    upstream.listen(0, Topology.HOST).compose(listening -> {
      int port = listening.actualPort();
      JsonObject proxy = ADMIN.copy().put("check", "connect")
        .put("upstreams", new JsonArray().add(Topology.HOST + ":" + port));
      return new Topology().proxy("lb", proxy).deploy(vertx).compose(deployed -> {
        UpstreamState state = ProxyRuntime.of(vertx, "lb").upstreams().get(0);
        Future<Void> down = next(state, false);
        return ready(vertx, deployed, "lb").compose(first -> upstream.close().compose(v -> down)
          .compose(v -> ready(vertx, deployed, "lb"))
          .compose(whileDown -> {
            Future<Void> up = next(state, true);
            NetServer again = vertx.createNetServer().connectHandler(socket -> socket.close());
            return again.listen(port, Topology.HOST).compose(s -> up).compose(v -> ready(vertx, deployed, "lb"))
              .map(afterwards -> List.of(first, whileDown, afterwards));
          }));
      });
    }).onComplete(test.succeeding(answers -> test.verify(() -> {
      assertThat(answers.get(0).statusCode()).as(answers.get(0).bodyAsString()).isEqualTo(200);
      HttpResponse<Buffer> whileDown = answers.get(1);
      assertThat(whileDown.statusCode()).isEqualTo(503);
      assertThat(check(whileDown, "upstreams")).isEqualTo(new JsonObject().put("id", "upstreams")
        .put("status", "DOWN").put("data", new JsonObject().put("reason", "no upstream is up (of 1)")));
      assertThat(check(whileDown, "listening").getString("status")).isEqualTo("UP");
      assertThat(answers.get(2).statusCode()).as(answers.get(2).bodyAsString()).isEqualTo(200);
      test.completeNow();
    })));
  }

  @Test
  void aBackendIsNotReadyWithoutResizeWorkersAndReadyWithThem(Vertx vertx, VertxTestContext test) {
    new Topology().backend("b1", ADMIN).deploy(vertx)
      .compose(deployed -> ready(vertx, deployed, "b1").compose(without -> new Topology().workers(1).deploy(vertx)
        .compose(workers -> ready(vertx, deployed, "b1")).map(with -> List.of(without, with))))
      .onComplete(test.succeeding(answers -> test.verify(() -> {
        HttpResponse<Buffer> without = answers.get(0);
        assertThat(without.statusCode()).isEqualTo(503);
        assertThat(check(without, "workers").getJsonObject("data").getString("reason"))
          .isEqualTo("no resize worker is registered in this process");
        assertThat(check(without, "listening").getString("status")).isEqualTo("UP");
        assertThat(answers.get(1).statusCode()).as(answers.get(1).bodyAsString()).isEqualTo(200);
        test.completeNow();
      })));
  }

  @Test
  void aNonLoopbackEndpointWithoutATokenIsRefusedAtStart(Vertx vertx, VertxTestContext test) {
    JsonObject exposed = new JsonObject().put("admin", new JsonObject().put("host", "0.0.0.0").put("port", 0));
    new Topology().backend("b1", exposed).deploy(vertx)
      .onComplete(test.failing(e -> test.verify(() -> {
        assertThat(e).hasMessageContaining("verticles.b1.config.admin.host: 0.0.0.0 is not a loopback address: "
          + "set admin.token (or TCPBALANCER_ADMIN_TOKEN, or --admin-token) so that /api needs it");
        assertThat(vertx.deploymentIDs()).isEmpty();
        test.completeNow();
      })));
  }
}
