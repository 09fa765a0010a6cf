package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static tcpbalancer.proxy.ProxyTestClient.upstreamOf;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Connections are spread over the upstreams as the strategy says, across the instances of one proxy. */
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ProxyBalancingTest extends ProxyTestSupport {

  @Test
  void roundRobinGivesEachUpstreamItsShareAcrossInstances(Vertx vertx, VertxTestContext test) {
    startUpstreams(vertx, "a", "b", "c")
      .compose(ups -> deployProxies(vertx, new JsonObject().put("upstreams", addresses(ups)), 3))
      .compose(proxies -> {
        List<Future<String>> reached = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
          reached.add(upstreamOf(client, proxies.get(i % proxies.size()).actualPort()));
        }
        return Future.all(reached).map(all -> all.<String>list());
      })
      .onComplete(test.succeeding(names -> test.verify(() -> {
        assertThat(counts(names)).containsOnly(Map.entry("a", 10), Map.entry("b", 10), Map.entry("c", 10));
        test.completeNow();
      })));
  }

  @Test
  void weightsShareConnectionsProportionally(Vertx vertx, VertxTestContext test) {
    startUpstreams(vertx, "heavy", "light")
      .compose(ups -> deployProxy(vertx, new JsonObject().put("upstreams", new JsonArray()
        .add(new JsonObject().put("address", ups.get(0).address()).put("weight", 3))
        .add(ups.get(1).address())), 1))
      .compose(proxy -> openSequentially(client, proxy.actualPort(), 40, new ArrayList<>()))
      .onComplete(test.succeeding(names -> test.verify(() -> {
        assertThat(counts(names)).containsOnly(Map.entry("heavy", 30), Map.entry("light", 10));
        test.completeNow();
      })));
  }

  @Test
  void anUpstreamAtItsOwnLimitIsSkipped(Vertx vertx, VertxTestContext test) {
    startUpstreams(vertx, "small", "big")
      .compose(ups -> deployProxy(vertx, new JsonObject().put("upstreams", new JsonArray()
        .add(new JsonObject().put("address", ups.get(0).address()).put("maxConns", 1))
        .add(ups.get(1).address())), 1))
      .compose(proxy -> openSequentially(client, proxy.actualPort(), 6, new ArrayList<>()))
      .onComplete(test.succeeding(names -> test.verify(() -> {
        assertThat(counts(names)).containsOnly(Map.entry("small", 1), Map.entry("big", 5));
        test.completeNow();
      })));
  }

  @Test
  void sourceKeepsAClientAddressOnOneUpstreamAcrossInstances(Vertx vertx, VertxTestContext test) {
    startUpstreams(vertx, "a", "b", "c")
      .compose(ups -> deployProxies(vertx, new JsonObject().put("upstreams", addresses(ups)).put("strategy", "source"),
        3))
      .compose(proxies -> {
        List<Future<String>> reached = new ArrayList<>();
        for (int i = 0; i < 12; i++) { // each from another port of 127.0.0.1, through each instance in turn
          reached.add(upstreamOf(client, proxies.get(i % proxies.size()).actualPort()));
        }
        return Future.all(reached).map(all -> all.<String>list());
      })
      .onComplete(test.succeeding(names -> test.verify(() -> {
        assertThat(counts(names)).hasSize(1).containsValue(12);
        test.completeNow();
      })));
  }

  @ParameterizedTest
  @ValueSource(strings = {"least-connections", "power-of-two-choices"})
  void loadAwareStrategiesPreferTheIdleUpstream(String strategy, Vertx vertx, VertxTestContext test) {
    List<ProxyTestClient> kept = new ArrayList<>();
    ProxyVerticle[] proxy = new ProxyVerticle[1];
    startUpstreams(vertx, "busy", "idle")
      .compose(ups -> deployProxy(vertx, new JsonObject().put("upstreams", addresses(ups)).put("strategy", strategy),
        2))
      .compose(p -> {
        proxy[0] = p;
        return openSequentially(client, p.actualPort(), 10, kept);
      })
      .compose(first -> {
        // Close every connection that reached "idle": "busy" keeps its load.
        for (int i = 0; i < first.size(); i++) {
          if (first.get(i).equals("idle")) {
            kept.get(i).socket.close();
          }
        }
        UpstreamState idle = proxy[0].runtime().upstreams().get(1);
        return whenActive(idle, active -> active == 0).timeout(5, TimeUnit.SECONDS);
      })
      .compose(v -> openSequentially(client, proxy[0].actualPort(), 4, new ArrayList<>()))
      .onComplete(test.succeeding(names -> test.verify(() -> {
        assertThat(proxy[0].runtime().upstreams().get(0).active()).as("busy keeps its connections").isPositive();
        assertThat(names).containsOnly("idle");
        test.completeNow();
      })));
  }
}
