package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static tcpbalancer.proxy.TlsTestSupport.firstBytes;
import static tcpbalancer.proxy.TlsTestSupport.tlsEcho;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tcpbalancer.testing.LogLines;
import tcpbalancer.testing.TestCertificates;

/**
 * The proxy speaks TLS to its upstreams, verifying their certificate and host name: a good one relays, an
 * expired one or one for another name closes the client's connection with a log line naming what was wrong,
 * unless verification is turned off; the health checks speak TLS too.
 */
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ProxyTlsOriginationTest extends ProxyTestSupport {

  @TempDir
  static Path dir;
  private static TestCertificates certs;

  @BeforeAll
  static void certificates() {
    certs = TestCertificates.create(dir);
  }

  /** Active checks rarely, so that the client's own connection meets the upstream's certificate first. */
  private static JsonObject originating(int upstreamPort, JsonObject upstreamTls) {
    return new JsonObject().put("upstreams", new JsonArray().add("127.0.0.1:" + upstreamPort))
      .put("upstreamTls", upstreamTls).put("checkIntervalMillis", 3_600_000).put("retries", 0);
  }

  private JsonObject verifying() {
    return new JsonObject().put("ca", certs.ca().toString());
  }

  @Test
  void aVerifiedUpstreamRelays(Vertx vertx) {
    int upstream = tlsEcho(vertx, certs.loopback("upstream")).await();
    int port = deployProxy(vertx, originating(upstream, verifying()), 1).await().actualPort();
    assertThat(echoed(vertx, port)).isEqualTo("ping");
  }

  @Test
  void anExpiredUpstreamCertificateClosesTheClientWithALogLine(Vertx vertx) {
    int upstream = tlsEcho(vertx, certs.expired("stale")).await();
    assertRefused(vertx, originating(upstream, verifying()), "validity check failed");
  }

  @Test
  void anUpstreamCertificateForAnotherNameClosesTheClientWithALogLine(Vertx vertx) {
    int upstream = tlsEcho(vertx, certs.forName("elsewhere", "elsewhere.test")).await();
    assertRefused(vertx, originating(upstream, verifying()), "No subject alternative names matching IP address "
      + "127.0.0.1 found");
  }

  @Test
  void insecureSkipsVerificationAndSaysSoLoudly(Vertx vertx) {
    try (LogLines log = LogLines.of(ProxyVerticle.class)) {
      var warned = log.next("upstream certificates and host names are NOT verified");
      int upstream = tlsEcho(vertx, certs.forName("unchecked", "unchecked.test")).await();
      int port = deployProxy(vertx, originating(upstream, new JsonObject().put("insecure", true)), 1).await()
        .actualPort();
      assertThat(warned.await()).startsWith("Proxy test-proxy: ");
      assertThat(echoed(vertx, port)).isEqualTo("ping");
    }
  }

  @Test
  void healthChecksSpeakTlsAndVerifyTheCertificate(Vertx vertx) {
    JsonObject sendExpect = new JsonObject().put("send", "70696e67").put("expect", "70696e67"); // "ping"
    int good = tlsEcho(vertx, certs.loopback("checked")).await();
    int stale = tlsEcho(vertx, certs.expired("checked-stale")).await();
    assertThat(check(vertx, sendExpect, good).await()).as("an echo over TLS answers the check").isEqualTo("passed");
    assertThat(check(vertx, sendExpect, stale).await()).contains("validity check failed");
  }

  /** One health check of the upstream on {@code port} by a proxy that originates TLS: "passed" or why not. */
  private Future<String> check(Vertx vertx, JsonObject check, int port) {
    ProxyOptions options = ProxyOptions.fromJson(originating(port, verifying()).put("port", 0).put("check", check),
      "config");
    HealthChecker checker = new HealthChecker(vertx, null, options, upstream -> { });
    return checker.check(options.upstreams().get(0)).map("passed").otherwise(Throwable::getMessage)
      .onComplete(done -> checker.stop());
  }

  private void assertRefused(Vertx vertx, JsonObject config, String reason) {
    try (LogLines log = LogLines.of(ProxyConnection.class); LogLines access = LogLines.of("tcpbalancer.access")) {
      var logged = log.next("Closing connection from");
      var accessLine = access.next("end=");
      int port = deployProxy(vertx, config.put("accessLog", true), 1).await().actualPort();
      awaitOnEventLoop(vertx, () -> client.connect(port, "127.0.0.1").compose(socket -> {
        Promise<Void> closed = Promise.promise();
        socket.closeHandler(closed::tryComplete);
        return closed.future();
      }));
      assertThat(logged.await()).contains(reason);
      assertThat(accessLine.await()).endsWith(" end=tls-handshake-failed");
    }
  }

  private String echoed(Vertx vertx, int port) {
    return awaitOnEventLoop(vertx, () -> client.connect(port, "127.0.0.1").compose(socket -> {
      Future<String> received = firstBytes(socket, 4);
      socket.write("ping");
      return received.onComplete(done -> socket.close());
    }));
  }
}
