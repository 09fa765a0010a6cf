package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static tcpbalancer.proxy.ProxyTestClient.upstreamOf;
import static tcpbalancer.proxy.ProxyTestSupport.*;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tcpbalancer.config.ConfigUpdates;

/** A stop lets open connections finish for the drain time, serves no new one, and closes the rest. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ProxyDrainTest {

  private NetClient client;

  @BeforeEach
  void createClient(Vertx vertx) {
    client = vertx.createNetClient();
  }

  @Test
  void undeployDrainsOpenConnectionsThenStops(Vertx vertx, VertxTestContext test) {
    String[] deploymentId = new String[1];
    ProxyVerticle[] proxy = new ProxyVerticle[1];
    List<ProxyVerticle> instances = new ArrayList<>();
    startUpstreams(vertx, "a")
      .compose(ups -> vertx.deployVerticle(() -> {
        ProxyVerticle p = new ProxyVerticle();
        instances.add(p);
        return p;
      }, new DeploymentOptions().setConfig(new JsonObject().put("host", "127.0.0.1").put("port", 0)
        .put("upstreams", addresses(ups)).put("drainTimeoutMillis", 30_000))))
      .compose(id -> {
        deploymentId[0] = id;
        proxy[0] = instances.get(0);
        return ProxyTestClient.connect(client, proxy[0].actualPort());
      })
      .compose(open -> open.greeting.compose(g -> {
        int port = proxy[0].actualPort();
        Future<Void> undeployed = vertx.undeploy(deploymentId[0]);
        Promise<String> echoed = Promise.promise();
        open.socket.handler(b -> echoed.tryComplete(b.toString()));
        open.socket.write("still here");
        return echoed.future()
          .compose(echo -> {
            assertThat(echo).isEqualTo("still here");
            assertThat(undeployed.isComplete()).as("waits for the open connection").isFalse();
            // The listening socket closes a moment after the undeploy starts: until then the kernel may complete a
            // handshake into its backlog, and closing the listener then resets that connection. Either way no
            // upstream may serve it.
            return ProxyTestClient.connect(client, port).transform(connected -> connected.failed()
              ? Future.succeededFuture("refused")
              : connected.result().greeting.transform(greeting -> Future.succeededFuture(greeting.succeeded()
                ? "served by " + greeting.result() : "closed unserved")));
          })
          .compose(newConnection -> {
            assertThat(newConnection).as("no new connection is served while draining")
              .isIn("refused", "closed unserved");
            open.socket.close();
            return undeployed;
          });
      }))
      .onComplete(test.succeedingThenComplete());
  }

  @Test
  void connectionsStillOpenAfterTheDrainTimeAreClosed(Vertx vertx, VertxTestContext test) {
    List<ProxyVerticle> instances = new ArrayList<>();
    startUpstreams(vertx, "a")
      .compose(ups -> vertx.deployVerticle(() -> {
        ProxyVerticle p = new ProxyVerticle();
        instances.add(p);
        return p;
      }, new DeploymentOptions().setConfig(new JsonObject().put("host", "127.0.0.1").put("port", 0)
        .put("upstreams", addresses(ups)).put("drainTimeoutMillis", 100))))
      .compose(id -> ProxyTestClient.connect(client, instances.get(0).actualPort())
        .compose(open -> open.greeting.compose(g -> vertx.undeploy(id)).compose(v -> open.closed)))
      .onComplete(test.succeedingThenComplete());
  }
}
