package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A stop lets open connections finish for the drain time, serves no new one, and closes the rest. */
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ProxyDrainTest extends ProxyTestSupport {

  @Test
  void undeployDrainsOpenConnectionsThenStops(Vertx vertx, VertxTestContext test) {
    Deployed[] deployed = new Deployed[1];
    startUpstreams(vertx, "a")
      .compose(ups -> deploy(vertx, drainingFor(30_000, ups), 1))
      .compose(d -> {
        deployed[0] = d;
        return ProxyTestClient.connect(client, d.instances().get(0).actualPort());
      })
      .compose(open -> open.greeting.compose(g -> {
        int port = deployed[0].instances().get(0).actualPort();
        Future<Void> undeployed = vertx.undeploy(deployed[0].id());
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
    startUpstreams(vertx, "a")
      .compose(ups -> deploy(vertx, drainingFor(100, ups), 1))
      .compose(deployed -> ProxyTestClient.connect(client, deployed.instances().get(0).actualPort())
        .compose(open -> open.greeting.compose(g -> vertx.undeploy(deployed.id())).compose(v -> open.closed)))
      .onComplete(test.succeedingThenComplete());
  }

  /** A proxy of the default config (and its default check) to {@code upstreams}, draining for {@code millis}. */
  private static JsonObject drainingFor(int millis, List<TestUpstream> upstreams) {
    return new JsonObject().put("host", "127.0.0.1").put("port", 0).put("upstreams", addresses(upstreams))
      .put("drainTimeoutMillis", millis);
  }
}
