package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static tcpbalancer.proxy.ProxyTestSupport.addresses;
import static tcpbalancer.proxy.ProxyTestSupport.deployProxy;
import static tcpbalancer.proxy.ProxyTestSupport.startUpstreams;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tcpbalancer.testing.LogLines;

/** The proxy's access log: one line per client connection when it ends, saying how it ended. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ProxyAccessLogTest {

  private static final List<String> FIELDS = List.of("start", "proxy", "client", "upstream", "queued_ms",
    "connect_ms", "duration_ms", "bytes_in", "bytes_out", "end");

  private LogLines access;
  private NetClient client;

  @BeforeEach
  void capture(Vertx vertx) {
    access = LogLines.of(AccessEntry.LOGGER);
    client = vertx.createNetClient();
  }

  @AfterEach
  void release() {
    access.close();
  }

  @Test
  void aClientThatClosesFirstIsLoggedWithItsUpstreamAndTheBytesEachWay(Vertx vertx, VertxTestContext test) {
    String[] upstream = new String[1];
    String[] clientAddress = new String[1];
    startUpstreams(vertx, "a")
      .compose(ups -> {
        upstream[0] = ups.get(0).address();
        return deployProxy(vertx, logged(ups), 1);
      })
      .compose(proxy -> ProxyTestClient.connect(client, proxy.actualPort()))
      .compose(connection -> connection.greeting.compose(greeting -> {
        clientAddress[0] = connection.socket.localAddress().toString();
        Promise<Void> echoed = Promise.promise();
        Buffer echo = Buffer.buffer();
        connection.socket.handler(chunk -> {
          if (echo.appendBuffer(chunk).length() == 5) {
            echoed.complete();
          }
        });
        connection.socket.write(Buffer.buffer("hello"));
        return echoed.future().compose(v -> connection.socket.close());
      }))
      .compose(v -> access.first())
      .onComplete(test.succeeding(line -> test.verify(() -> {
        Map<String, String> fields = LogLines.fields(line);
        assertThat(fields.keySet()).containsExactlyElementsOf(FIELDS);
        assertThat(fields).containsEntry("proxy", "test-proxy").containsEntry("client", clientAddress[0])
          .containsEntry("upstream", upstream[0]).containsEntry("bytes_in", "5")
          .containsEntry("bytes_out", String.valueOf("a\n".length() + 5)).containsEntry("end", "client-closed");
        assertThat(Long.parseLong(fields.get("queued_ms"))).isNotNegative();
        assertThat(Long.parseLong(fields.get("connect_ms"))).isNotNegative();
        assertThat(Long.parseLong(fields.get("duration_ms")))
          .isGreaterThanOrEqualTo(Long.parseLong(fields.get("connect_ms")));
        test.completeNow();
      })));
  }

  @Test
  void anUpstreamThatClosesFirstIsLoggedAsUpstreamClosed(Vertx vertx, VertxTestContext test) {
    TestUpstream[] upstream = new TestUpstream[1];
    startUpstreams(vertx, "a")
      .compose(ups -> {
        upstream[0] = ups.get(0);
        return deployProxy(vertx, logged(ups), 1);
      })
      .compose(proxy -> ProxyTestClient.connect(client, proxy.actualPort()))
      .compose(connection -> connection.greeting.compose(greeting -> upstream[0].kill()))
      .compose(v -> access.first())
      .onComplete(test.succeeding(line -> test.verify(() -> {
        assertThat(LogLines.fields(line)).containsEntry("upstream", upstream[0].address())
          .containsEntry("bytes_in", "0").containsEntry("bytes_out", "2").containsEntry("end", "upstream-closed");
        test.completeNow();
      })));
  }

  @Test
  void aConnectionNoUpstreamTakesIsLoggedAsConnectFailed(Vertx vertx, VertxTestContext test) {
    vertx.createNetServer().connectHandler(socket -> { }).listen(0, "127.0.0.1")
      .compose(server -> {
        int freed = server.actualPort();
        return server.close().map(v -> freed);
      })
      .compose(port -> deployProxy(vertx, new JsonObject().put("accessLog", true).put("retries", 0)
        .put("upstreams", new JsonArray().add("127.0.0.1:" + port)), 1))
      .compose(proxy -> client.connect(proxy.actualPort(), "127.0.0.1"))
      .compose(socket -> access.first())
      .onComplete(test.succeeding(line -> test.verify(() -> {
        assertThat(LogLines.fields(line)).containsEntry("connect_ms", "-1").containsEntry("bytes_in", "0")
          .containsEntry("bytes_out", "0").containsEntry("end", "connect-failed");
        test.completeNow();
      })));
  }

  @Test
  void aConnectionWhereNothingMovesIsLoggedAsIdleTimeout(Vertx vertx, VertxTestContext test) {
    startUpstreams(vertx, "a")
      .compose(ups -> deployProxy(vertx, logged(ups).put("idleTimeoutSeconds", 1), 1))
      .compose(proxy -> ProxyTestClient.connect(client, proxy.actualPort()))
      .compose(connection -> connection.greeting.compose(greeting -> connection.closed))
      .compose(v -> access.first())
      .onComplete(test.succeeding(line -> test.verify(() -> {
        Map<String, String> fields = LogLines.fields(line);
        assertThat(fields).containsEntry("end", "idle-timeout").containsEntry("bytes_out", "2");
        assertThat(Long.parseLong(fields.get("duration_ms"))).isGreaterThanOrEqualTo(1_000);
        test.completeNow();
      })));
  }

  @Test
  void aConnectionPastTheLimitIsLoggedAsRefused(Vertx vertx, VertxTestContext test) {
    int[] port = new int[1];
    startUpstreams(vertx, "a")
      .compose(ups -> deployProxy(vertx, logged(ups).put("maxConns", 1).put("queueSize", 0), 1))
      .compose(proxy -> {
        port[0] = proxy.actualPort();
        return ProxyTestClient.connect(client, port[0]);
      })
      .compose(holder -> holder.greeting)
      .compose(greeting -> client.connect(port[0], "127.0.0.1"))
      .compose(refused -> access.first())
      .onComplete(test.succeeding(line -> test.verify(() -> {
        assertThat(LogLines.fields(line)).containsEntry("upstream", "-").containsEntry("connect_ms", "-1")
          .containsEntry("bytes_in", "0").containsEntry("bytes_out", "0").containsEntry("end", "refused");
        assertThat(Long.parseLong(LogLines.fields(line).get("queued_ms"))).isNotNegative();
        test.completeNow();
      })));
  }

  @Test
  void aConnectionOpenWhenTheProxyStopsIsLoggedAsDrained(Vertx vertx, VertxTestContext test) {
    ProxyVerticle[] proxy = new ProxyVerticle[1];
    startUpstreams(vertx, "a")
      .compose(ups -> deployProxy(vertx, logged(ups).put("drainTimeoutMillis", 100), 1))
      .compose(deployed -> {
        proxy[0] = deployed;
        return ProxyTestClient.connect(client, deployed.actualPort());
      })
      .compose(connection -> connection.greeting)
      .compose(greeting -> vertx.undeploy(proxy[0].deploymentID()))
      .compose(v -> access.first())
      .onComplete(test.succeeding(line -> test.verify(() -> {
        assertThat(LogLines.fields(line)).containsEntry("bytes_out", "2").containsEntry("end", "drained");
        test.completeNow();
      })));
  }

  @Test
  void aConnectionToAnUpstreamTheChecksTakeDownIsLoggedAsUpstreamDown(Vertx vertx, VertxTestContext test) {
    AtomicBoolean healthy = new AtomicBoolean(true);
    // Greets each connection with "ok" while healthy: the check expects it, the relayed client just reads it.
    vertx.createNetServer()
      .connectHandler(socket -> socket.write(Buffer.buffer(healthy.get() ? "ok\n" : "no\n")))
      .listen(0, "127.0.0.1")
      .compose(server -> deployProxy(vertx, new JsonObject().put("accessLog", true)
        .put("upstreams", new JsonArray().add("127.0.0.1:" + server.actualPort()))
        .put("check", new JsonObject().put("expect", "6f6b")), 1))
      .compose(proxy -> ProxyTestClient.connect(client, proxy.actualPort()))
      .compose(connection -> connection.greeting.compose(greeting -> {
        healthy.set(false);
        return access.first();
      }))
      .onComplete(test.succeeding(line -> test.verify(() -> {
        assertThat(LogLines.fields(line)).containsEntry("bytes_out", "3").containsEntry("end", "upstream-down");
        test.completeNow();
      })));
  }

  @Test
  void theJsonFormatIsOneObjectWithTheSameFields(Vertx vertx, VertxTestContext test) {
    String[] upstream = new String[1];
    startUpstreams(vertx, "a")
      .compose(ups -> {
        upstream[0] = ups.get(0).address();
        return deployProxy(vertx, logged(ups).put("accessLogFormat", "json"), 1);
      })
      .compose(proxy -> ProxyTestClient.connect(client, proxy.actualPort()))
      .compose(connection -> connection.greeting.compose(greeting -> connection.socket.close()))
      .compose(v -> access.first())
      .onComplete(test.succeeding(line -> test.verify(() -> {
        JsonObject json = new JsonObject(line);
        assertThat(json.fieldNames()).containsExactlyInAnyOrderElementsOf(FIELDS);
        assertThat(json.getString("upstream")).isEqualTo(upstream[0]);
        assertThat(json.getLong("bytes_in")).isZero();
        assertThat(json.getLong("bytes_out")).isEqualTo(2);
        assertThat(json.getLong("queued_ms")).isNotNegative();
        assertThat(json.getString("end")).isEqualTo("client-closed");
        test.completeNow();
      })));
  }

  @Test
  void nothingIsLoggedWhenTheAccessLogIsOff(Vertx vertx, VertxTestContext test) {
    ProxyVerticle[] proxy = new ProxyVerticle[1];
    startUpstreams(vertx, "a")
      .compose(ups -> deployProxy(vertx, new JsonObject().put("upstreams", addresses(ups)), 1))
      .compose(deployed -> {
        proxy[0] = deployed;
        return ProxyTestClient.connect(client, deployed.actualPort());
      })
      .compose(connection -> connection.greeting.compose(greeting -> connection.socket.close()))
      // the stop waits for every connection to be released, which is when a line would be written
      .compose(v -> vertx.undeploy(proxy[0].deploymentID()))
      .onComplete(test.succeeding(v -> test.verify(() -> {
        assertThat(access.lines()).isEmpty();
        test.completeNow();
      })));
  }

  private static JsonObject logged(List<TestUpstream> upstreams) {
    return new JsonObject().put("upstreams", addresses(upstreams)).put("accessLog", true);
  }
}
