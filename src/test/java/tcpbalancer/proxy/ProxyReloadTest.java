package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tcpbalancer.config.ConfigUpdates;

/** A changed config applies its upstream list to new connections while open ones finish. */
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ProxyReloadTest extends ProxyTestSupport {

  @Test
  void aNewUpstreamListAppliesToNewConnectionsWhileOpenOnesFinish(Vertx vertx, VertxTestContext test) {
    List<TestUpstream> ups = new ArrayList<>();
    List<ProxyVerticle> proxies = new ArrayList<>();
    String[] deploymentId = new String[1];
    startUpstreams(vertx, "old", "new")
      .compose(started -> {
        ups.addAll(started);
        JsonObject config = new JsonObject().put("host", "127.0.0.1").put("port", 0).put("name", "reloaded")
          .put("check", "connect").put("upstreams", new JsonArray().add(ups.get(0).address()));
        return deploy(vertx, config, 2);
      })
      .compose(deployed -> {
        deploymentId[0] = deployed.id();
        proxies.addAll(deployed.instances());
        return ProxyTestClient.connect(client, proxies.get(0).actualPort());
      })
      .compose(open -> open.greeting.compose(first -> {
        assertThat(first).isEqualTo("old");
        JsonObject changed = new JsonObject().put("host", "127.0.0.1").put("port", 0).put("name", "reloaded")
          .put("check", "connect").put("upstreams", new JsonArray().add(ups.get(1).address()));
        Future<List<UpstreamState>> applied = whenUpstreams(proxies.get(0).runtime().group(), list -> list.size() == 1
          && list.get(0).upstream().address().equals(ups.get(1).address()));
        vertx.eventBus().publish(ConfigUpdates.ADDRESS, ConfigUpdates.message(deploymentId[0], changed));
        return applied
          .compose(v -> openSequentially(client, proxies.get(1).actualPort(), 2, new ArrayList<>()))
          .compose(names -> {
            assertThat(names).containsOnly("new");
            Promise<String> echoed = Promise.promise();
            open.socket.handler(b -> echoed.tryComplete(b.toString()));
            open.socket.write("old upstream still serves me");
            return echoed.future();
          });
      }))
      .onComplete(test.succeeding(echo -> test.verify(() -> {
        assertThat(echo).isEqualTo("old upstream still serves me");
        test.completeNow();
      })));
  }

  @Test
  void aReloadKeepsTheAdminStateOfUpstreamsThatStayAndBringsBackOneTheApiRemoved(Vertx vertx) {
    List<TestUpstream> ups = startUpstreams(vertx, "a", "b", "c").await();
    JsonObject config = new JsonObject().put("host", "127.0.0.1").put("port", 0).put("name", "operated")
      .put("check", "connect").put("upstreams", addresses(ups.subList(0, 2)));
    Deployed deployed = deploy(vertx, config, 1).await();
    UpstreamGroup group = deployed.instances().get(0).runtime().group();
    group.find("127.0.0.1", ups.get(0).port).orElseThrow().setAdminState(AdminState.DRAIN);
    group.remove(group.find("127.0.0.1", ups.get(1).port).orElseThrow());

    Future<List<UpstreamState>> applied = whenUpstreams(group, list -> list.size() == 3);
    vertx.eventBus().publish(ConfigUpdates.ADDRESS, ConfigUpdates.message(deployed.id(),
      config.copy().put("upstreams", addresses(ups))));
    assertThat(applied.await()).extracting(state -> state.upstream().address() + " " + state.adminState())
      .containsExactly(ups.get(0).address() + " DRAIN", ups.get(1).address() + " READY",
        ups.get(2).address() + " READY");
  }
}
