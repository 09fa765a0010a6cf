package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tcpbalancer.admin.Metrics;
import tcpbalancer.testing.MetricsVertx;

/** After a known run through the proxy, {@code /metrics} shows exactly its connections and bytes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyMetricsTest {

  private static final int CONNECTIONS = 30;
  private static final int PAYLOAD = 100;
  private static final Pattern SAMPLE = Pattern.compile("^(tcpbalancer_\\w+)\\{([^}]*)} (\\S+)$");

  private Vertx vertx;

  @BeforeEach
  void startVertxWithMetrics() {
    vertx = MetricsVertx.create();
  }

  @AfterEach
  void closeVertx() {
    vertx.close().await();
  }

  @Test
  void theCountsOfAKnownRunAreThoseOfTheScrape() {
    List<TestUpstream> ups = ProxyTestSupport.startUpstreams(vertx, "a", "b", "c").await();
    ProxyVerticle proxy = ProxyTestSupport.deployProxy(vertx, new JsonObject().put("name", "metered")
      .put("upstreams", ProxyTestSupport.addresses(ups)).put("admin", new JsonObject().put("port", 0)), 2).await();
    ProxyRuntime runtime = proxy.runtime();
    NetClient client = vertx.createNetClient();
    ProxyTestSupport.awaitOnEventLoop(vertx, () -> {
      Future<Void> run = Future.succeededFuture();
      for (int i = 0; i < CONNECTIONS; i++) {
        run = run.compose(v -> exchange(client, proxy.actualPort()));
      }
      return run;
    });
    for (UpstreamState upstream : runtime.upstreams()) {
      ProxyTestSupport.whenActive(upstream, active -> active == 0).await();
    }
    ProxyTestSupport.whenInbound(runtime, r -> r.inboundActive() == 0).await();

    Map<String, Double> scraped = scrape(runtime.admin().await().actualPort());
    for (TestUpstream up : ups) {
      String labels = "proxy=metered,upstream=" + up.address();
      assertThat(scraped).containsEntry("tcpbalancer_proxy_upstream_connections_total{" + labels + "}", 10.0)
        .containsEntry("tcpbalancer_proxy_upstream_active_connections{" + labels + "}", 0.0)
        .containsEntry("tcpbalancer_proxy_upstream_connect_failures_total{" + labels + "}", 0.0)
        .containsEntry("tcpbalancer_proxy_upstream_up{" + labels + "}", 1.0)
        .containsEntry("tcpbalancer_proxy_upstream_bytes_total{direction=to_upstream," + labels + "}",
          10.0 * PAYLOAD)
        .containsEntry("tcpbalancer_proxy_upstream_bytes_total{direction=from_upstream," + labels + "}",
          10.0 * (PAYLOAD + 2)); // the greeting, "a\n", and the echo
    }
    assertThat(scraped).containsEntry("tcpbalancer_proxy_inbound_active_connections{proxy=metered}", 0.0)
      .containsEntry("tcpbalancer_proxy_inbound_queued_connections{proxy=metered}", 0.0)
      .containsEntry("tcpbalancer_proxy_inbound_refused_connections_total{proxy=metered}", 0.0);
    assertThat(scraped.keySet().stream().map(name -> name.substring(0, name.indexOf('{'))).distinct())
      .containsExactlyInAnyOrderElementsOf(ProxyMetrics.NAMES);
  }

  @Test
  void upstreamsAddedAndRemovedGainAndLoseTheirMetersAndAStoppedProxyLosesAll() {
    List<TestUpstream> ups = ProxyTestSupport.startUpstreams(vertx, "a", "b").await();
    String deployment = ProxyTestSupport.deploy(vertx, new JsonObject().put("host", "127.0.0.1").put("port", 0)
      .put("name", "changing").put("check", "connect")
      .put("upstreams", ProxyTestSupport.addresses(ups.subList(0, 1))), 1).await().id();
    ProxyRuntime runtime = ProxyRuntime.of(vertx, "changing");
    MeterRegistry registry = Metrics.registry(vertx).orElseThrow();
    assertThat(connectionsMeters(registry)).containsExactly(ups.get(0).address());

    runtime.group().put(Upstream.parseAddress(ups.get(1).address(), "test", 1, 0));
    assertThat(connectionsMeters(registry)).containsExactlyInAnyOrder(ups.get(0).address(), ups.get(1).address());
    runtime.group().remove(runtime.group().find("127.0.0.1", ups.get(0).port).orElseThrow());
    assertThat(connectionsMeters(registry)).containsExactly(ups.get(1).address());

    vertx.undeploy(deployment).await();
    assertThat(registry.find("tcpbalancer.proxy.upstream.connections").meters()).isEmpty();
    assertThat(registry.find("tcpbalancer.proxy.inbound.active.connections").meters()).isEmpty();
  }

  private static List<String> connectionsMeters(MeterRegistry registry) {
    return registry.find("tcpbalancer.proxy.upstream.connections").functionCounters().stream()
      .map(counter -> counter.getId().getTag("upstream")).toList();
  }

  /** One connection through the proxy: sends {@link #PAYLOAD} bytes, reads the greeting and their echo, closes. */
  private static Future<Void> exchange(NetClient client, int port) {
    return client.connect(port, "127.0.0.1").compose(socket -> {
      Promise<Void> closed = Promise.promise();
      Buffer received = Buffer.buffer();
      socket.handler(bytes -> {
        received.appendBuffer(bytes);
        if (received.length() == PAYLOAD + 2) {
          socket.close();
        }
      });
      socket.closeHandler(v -> closed.complete());
      socket.write(ProxyTestClient.bytes(PAYLOAD, port));
      return closed.future();
    });
  }

  /** The {@code tcpbalancer_*} samples of the scrape, as {@code name{label=value,...}} (labels sorted) to value. */
  private Map<String, Double> scrape(int adminPort) {
    String text = WebClient.create(vertx).get(adminPort, "127.0.0.1", "/metrics").send().await().bodyAsString();
    Map<String, Double> samples = new HashMap<>();
    for (String line : text.split("\n")) {
      Matcher sample = SAMPLE.matcher(line);
      if (sample.matches()) {
        List<String> labels = new ArrayList<>(List.of(sample.group(2).replace("\"", "").split(",")));
        labels.sort(null);
        samples.put(sample.group(1) + "{" + String.join(",", labels) + "}", Double.parseDouble(sample.group(3)));
      }
    }
    return samples;
  }
}
