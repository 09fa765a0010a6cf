package tcpbalancer.proxy.requests;

import static org.assertj.core.api.Assertions.assertThat;
import static tcpbalancer.proxy.requests.RequestBalancingTest.assertAllOk;
import static tcpbalancer.proxy.requests.RequestBalancingTest.backends;
import static tcpbalancer.proxy.requests.RequestBalancingTest.onEventLoop;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;
import tcpbalancer.admin.Metrics;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;
import tcpbalancer.proxy.ProxyVerticle;
import tcpbalancer.testing.MetricsVertx;

/** Request mode's metrics, access log and graceful stop. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class RequestObservabilityTest {

  private final Logger accessLogger = (Logger) LoggerFactory.getLogger(RequestAccessEntry.LOGGER);
  private final Promise<String> firstLine = Promise.promise();
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>() {
    @Override
    protected void append(ILoggingEvent event) {
      super.append(event);
      firstLine.tryComplete(event.getFormattedMessage());
    }
  };

  @BeforeEach
  void capture() {
    lines.start();
    accessLogger.addAppender(lines);
  }

  @AfterEach
  void release() {
    accessLogger.detachAppender(lines);
  }

  private static ProxyVerticle proxy(Vertx vertx, List<ScriptedBackend> backends, JsonObject extra) {
    JsonObject config = new JsonObject().put("host", "127.0.0.1").put("port", 0).put("name", "observed")
      .put("balance", "requests").put("check", "connect").put("checkIntervalMillis", 50)
      .put("upstreams", new JsonArray(backends.stream().map(ScriptedBackend::address).toList())).mergeIn(extra);
    ProxyVerticle proxy = new ProxyVerticle();
    vertx.deployVerticle(proxy, new DeploymentOptions().setConfig(config)).await();
    return proxy;
  }

  @Test
  void requestsInFlightAndResendsAreCountedPerBackendAndLoggedPerClient() {
    Vertx vertx = MetricsVertx.create();
    try {
      List<ScriptedBackend> backends = backends(vertx, "busy", "ok");
      backends.get(0).answering(Status.BUSY);
      int port = proxy(vertx, backends, new JsonObject().put("accessLog", true).put("accessLogFormat", "json"))
        .actualPort();

      Map<Long, ResizeResponse> answers = onEventLoop(vertx,
        () -> FrameClient.run(vertx.createNetClient(), port, 50, 4, 10));

      assertAllOk(answers, 50);
      MeterRegistry registry = Metrics.registry(vertx).orElseThrow();
      String busy = backends.get(0).address();
      String ok = backends.get(1).address();
      assertThat(registry.get("tcpbalancer.proxy.upstream.requests").tag("upstream", ok).counter().count())
        .isGreaterThanOrEqualTo(50);
      assertThat(registry.get("tcpbalancer.proxy.upstream.resends").tag("upstream", busy).counter().count())
        .isEqualTo(backends.get(0).received());
      assertThat(registry.get("tcpbalancer.proxy.upstream.requests.in.flight").tag("upstream", ok).gauge().value())
        .isZero();

      JsonObject line = new JsonObject(firstLine.future().await());
      assertThat(line.getString("balance")).isEqualTo("requests");
      assertThat(line.getLong("requests")).isEqualTo(50);
      assertThat(line.getJsonObject("by_backend").getInteger(ok)).isEqualTo(50);
      assertThat(line.getJsonObject("by_backend").getInteger(busy)).isEqualTo(backends.get(0).received());
      assertThat(line.getLong("resends")).isEqualTo(backends.get(0).received());
      assertThat(line.getString("end")).isEqualTo("client-closed");
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void aStoppingProxyAnswersTheRequestsInProgressFirst(Vertx vertx) {
    List<ScriptedBackend> backends = backends(vertx, "slow");
    backends.get(0).delay(300);
    Future<Void> allArrived = backends.get(0).whenReceived(5);
    ProxyVerticle proxy = proxy(vertx, backends, new JsonObject());

    Promise<Map<Long, ResizeResponse>> run = Promise.promise();
    vertx.runOnContext(v -> FrameClient.run(vertx.createNetClient(), proxy.actualPort(), 5, 5, 10)
      .onComplete(run));
    allArrived.await();
    vertx.undeploy(proxy.deploymentID()).await();

    assertAllOk(run.future().await(), 5);
  }
}
