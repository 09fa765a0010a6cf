package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static tcpbalancer.proxy.TlsTestSupport.connectVerified;
import static tcpbalancer.proxy.TlsTestSupport.firstBytes;
import static tcpbalancer.proxy.TlsTestSupport.peerName;
import static tcpbalancer.proxy.TlsTestSupport.run;
import static tcpbalancer.proxy.TlsTestSupport.tls;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.Timeout;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tcpbalancer.testing.LogLines;
import tcpbalancer.testing.TestCertificates;

/**
 * The proxy terminates TLS: clients nobody here wrote (curl, openssl s_client) reach a plain HTTP server (Python's
 * http.server) through it, the certificate chosen by SNI; a plain-text client and one that never finishes its
 * handshake are closed with a log line that says so, while a TLS client next to them is served.
 */
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ProxyTlsTerminationTest extends ProxyTestSupport {

  private static final String PAGE = "hello through TLS\n";
  private static final Pattern SERVING = Pattern.compile("Serving HTTP on 127\\.0\\.0\\.1 port (\\d+)");

  @TempDir
  static Path dir;
  private static TestCertificates certs;
  private static TestCertificates.Leaf loopback;
  private static TestCertificates.Leaf other;
  private static Process httpServer;
  private static int httpPort;

  @BeforeAll
  static void certificatesAndAnHttpServer() throws Exception {
    certs = TestCertificates.create(dir);
    loopback = certs.loopback("proxy");
    other = certs.forName("other", "other.test");
    Path site = Files.createDirectories(dir.resolve("site"));
    Files.writeString(site.resolve("hello.txt"), PAGE);
    httpServer = new ProcessBuilder("python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1",
      "--directory", site.toString()).redirectErrorStream(true).start();
    BufferedReader output = new BufferedReader(new InputStreamReader(httpServer.getInputStream(),
      StandardCharsets.UTF_8));
    for (String line = output.readLine(); ; line = output.readLine()) {
      if (line == null) {
        throw new IllegalStateException("python3 -m http.server exited before it listened");
      }
      Matcher serving = SERVING.matcher(line);
      if (serving.find()) {
        httpPort = Integer.parseInt(serving.group(1));
        break;
      }
    }
    // the rest of its output (a line per request) must not fill the pipe and stall it
    Thread drain = new Thread(() -> output.lines().forEach(line -> { }), "http.server output");
    drain.setDaemon(true);
    drain.start();
  }

  @AfterAll
  static void stopHttpServer() {
    if (httpServer != null) {
      httpServer.destroy();
    }
  }

  private static JsonObject terminating(Object... upstreams) {
    return new JsonObject().put("upstreams", new JsonArray(List.of(upstreams)))
      .put("tls", tls(loopback, other));
  }

  @Test
  void curlAndOpensslGetThroughToAPlainHttpServer(Vertx vertx) throws Exception {
    int port = deployProxy(vertx, terminating("127.0.0.1:" + httpPort), 1).await().actualPort();

    TlsTestSupport.Run curl = run("curl", "--silent", "--show-error", "--max-time", "20", "--cacert",
      certs.ca().toString(), "https://127.0.0.1:" + port + "/hello.txt");
    assertThat(curl.exitCode()).as(curl.output()).isZero();
    assertThat(curl.output()).isEqualTo(PAGE);

    TlsTestSupport.Run byDefault = run("openssl", "s_client", "-brief", "-verify_return_error", "-CAfile",
      certs.ca().toString(), "-verify_ip", "127.0.0.1", "-connect", "127.0.0.1:" + port);
    assertThat(byDefault.output()).contains("Verification: OK").contains("CN = proxy");
    TlsTestSupport.Run bySni = run("openssl", "s_client", "-brief", "-verify_return_error", "-CAfile",
      certs.ca().toString(), "-servername", "other.test", "-verify_hostname", "other.test",
      "-connect", "127.0.0.1:" + port);
    assertThat(bySni.output()).as("SNI picks the certificate for the name asked")
      .contains("Verification: OK").contains("CN = other.test");
  }

  @Test
  void aPlainTextClientIsClosedWithALogLineAndOthersAreServed(Vertx vertx) throws Exception {
    try (LogLines log = LogLines.of(ProxyVerticle.class)) {
      TestUpstream upstream = TestUpstream.start(vertx, "echo").await();
      int port = deployProxy(vertx, terminating(upstream.address()), 1).await().actualPort();
      NetSocket served = awaitOnEventLoop(vertx, () -> connectVerified(vertx, certs.ca(), port)
        .compose(socket -> firstBytes(socket, 5).map(greeting -> {
          assertThat(greeting).isEqualTo("echo\n");
          return socket;
        })));

      var logged = log.next("the client sent plain text, not TLS");
      awaitOnEventLoop(vertx, () -> client.connect(port, "127.0.0.1").compose(plain -> {
        Promise<Void> closed = Promise.promise();
        plain.closeHandler(closed::tryComplete);
        plain.write("GET / HTTP/1.0\r\n\r\n");
        return closed.future();
      }));
      assertThat(logged.await()).startsWith("Proxy test-proxy: closed a client connection: TLS handshake failed");

      String echoed = awaitOnEventLoop(vertx, () -> {
        Future<String> received = firstBytes(served, 10);
        served.write("still here");
        return received;
      });
      assertThat(echoed).isEqualTo("still here");
    }
  }

  @Test
  void aHandshakeThatNeverCompletesIsClosedAfterTheTimeout(Vertx vertx) throws Exception {
    try (LogLines log = LogLines.of(ProxyVerticle.class)) {
      TestUpstream upstream = TestUpstream.start(vertx, "echo").await();
      // long enough for a real client's handshake on a loaded machine (the first in a JVM is slow)
      JsonObject config = terminating(upstream.address());
      config.getJsonObject("tls").put("handshakeTimeoutMillis", 2_000);
      int port = deployProxy(vertx, config, 1).await().actualPort();

      var logged = log.next("TLS handshake timed out");
      long start = System.nanoTime();
      awaitOnEventLoop(vertx, () -> client.connect(port, "127.0.0.1").compose(silent -> {
        Promise<Void> closed = Promise.promise();
        silent.closeHandler(closed::tryComplete);
        return closed.future();
      }));
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("handshakeTimeoutMillis 2000")
        .isBetween(1_800L, 15_000L);
      assertThat(logged.await()).contains("Proxy test-proxy: closed a client connection: TLS handshake timed out");

      String served = awaitOnEventLoop(vertx, () -> connectVerified(vertx, certs.ca(), port)
        .compose(socket -> firstBytes(socket, 5).map(greeting -> peerName(socket) + " " + greeting)));
      assertThat(served).isEqualTo("CN=proxy echo\n");
    }
  }
}
