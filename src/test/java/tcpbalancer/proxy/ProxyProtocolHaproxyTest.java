package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static tcpbalancer.proxy.ProxyProtocolTest.CLIENT_HOST;
import static tcpbalancer.proxy.ProxyProtocolTest.connectFrom;
import static tcpbalancer.proxy.ProxyProtocolTest.firstLine;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.testing.JarProcess;
import tcpbalancer.testing.LogLines;
import tcpbalancer.testing.Topology;

/**
 * The PROXY protocol against HAProxy itself (Debian's haproxy; .ci/run installs it): HAProxy's
 * {@code send-proxy-v2} in front of our proxy and our backend with {@code acceptProxy}, and our proxy's
 * {@code sendProxy} v1 and v2 in front of HAProxy's {@code accept-proxy}. Each side must see the address of the
 * client at the start of the chain, which connects from 127.0.0.2 (HAProxy and our proxy are on 127.0.0.1).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ProxyProtocolHaproxyTest {

  private static final String HAPROXY = "/usr/sbin/haproxy";

  @TempDir
  Path dir;
  private JarProcess haproxy;

  @BeforeAll
  static void haproxyInstalled() {
    boolean installed = Files.isExecutable(Path.of(HAPROXY));
    if (!installed && System.getenv("CI") != null) {
      fail("haproxy is not installed (.ci/run installs it with apt-get)");
    }
    assumeTrue(installed, "haproxy is not installed");
  }

  @AfterEach
  void stopHaproxy() throws InterruptedException {
    if (haproxy != null) {
      haproxy.terminate(); // SIGTERM to the master, which stops its worker (a SIGKILL would leave the worker)
    }
  }

  @Test
  void behindHaproxysSendProxyV2TheAccessLogShowsTheRealClient(Vertx vertx) throws Exception {
    TestUpstream upstream = TestUpstream.start(vertx, "a").await();
    ProxyVerticle proxy = ProxyTestSupport.deployProxy(vertx, new JsonObject().put("acceptProxy", true)
      .put("accessLog", true).put("upstreams", new JsonArray().add(upstream.address())), 1).await();
    int haproxyPort = startHaproxy("", "127.0.0.1:" + proxy.actualPort() + " send-proxy-v2");

    try (LogLines access = LogLines.of(AccessEntry.LOGGER); Socket client = connectFrom(CLIENT_HOST, haproxyPort)) {
      assertThat(firstLine(client)).isEqualTo("a");
      client.shutdownOutput();
      assertThat(client.getInputStream().read()).isEqualTo(-1);
      assertThat(LogLines.fields(access.awaitFirst()))
        .containsEntry("client", CLIENT_HOST + ":" + client.getLocalPort())
        .containsEntry("upstream", upstream.address()).containsEntry("end", "client-closed");
    }
  }

  @ParameterizedTest
  @EnumSource(value = SendProxy.class, names = {"V1", "V2"})
  void haproxyWithAcceptProxyBehindOurSendProxySeesTheRealClient(SendProxy version, Vertx vertx) throws Exception {
    TestUpstream upstream = TestUpstream.start(vertx, "a").await();
    int haproxyPort = startHaproxy(" accept-proxy", upstream.address());
    // Our health checks send a LOCAL header, which HAProxy accepts; they send no data, so it logs none of them.
    ProxyVerticle proxy = ProxyTestSupport.deployProxy(vertx, new JsonObject().put("upstreams", new JsonArray()
      .add(new JsonObject().put("address", "127.0.0.1:" + haproxyPort).put("sendProxy", version.toString()))), 1)
      .await();

    int clientPort;
    try (Socket client = connectFrom(CLIENT_HOST, proxy.actualPort())) {
      clientPort = client.getLocalPort();
      assertThat(firstLine(client)).isEqualTo("a");
    }
    // HAProxy logs a session when it ends: %ci:%cp is the client address it took from our header.
    haproxy.awaitLine("haproxy-client=" + CLIENT_HOST.replace(".", "\\.") + ":" + clientPort + "$");
  }

  @Test
  void theBackendBehindHaproxysSendProxyV2LogsTheRealClient(Vertx vertx) throws Exception {
    Logger requestLog = (Logger) LoggerFactory.getLogger("tcpbalancer.backend.RequestLog");
    Level before = requestLog.getLevel();
    requestLog.setLevel(Level.DEBUG);
    try (LogLines requests = LogLines.of(requestLog.getName())) {
      Topology.Deployment backend = new Topology().backend("b1", new JsonObject().put("acceptProxy", true))
        .deploy(vertx).await();
      int haproxyPort = startHaproxy("", "127.0.0.1:" + backend.port("b1") + " send-proxy-v2");
      Buffer dryRun = new ResizeRequest("dry.png", "png", 16, 16, ResizeMode.FIT, true, Buffer.buffer())
        .toFrame(7).encode();
      try (Socket client = connectFrom(CLIENT_HOST, haproxyPort)) {
        client.getOutputStream().write(dryRun.getBytes());
        assertThat(client.getInputStream().read()).as("the backend answers").isNotEqualTo(-1);
        assertThat(requests.awaitAny("Request 7 ")).contains("from " + CLIENT_HOST + ":" + client.getLocalPort() + ":")
          .contains("status=OK");
      }
    } finally {
      requestLog.setLevel(before);
    }
  }

  /**
   * Starts HAProxy in TCP mode on a free loopback port, forwarding to {@code server} (with its options), and
   * waits until its master says the worker is running. Returns its port.
   */
  private int startHaproxy(String bindOptions, String server) throws IOException, InterruptedException {
    int port = freeLoopbackPort();
    Path config = Files.writeString(dir.resolve("haproxy.cfg"), String.join("\n",
      "global",
      "  log stdout format raw local0 info",
      "defaults",
      "  mode tcp",
      "  log global",
      "  option dontlognull",
      "  timeout connect 5s",
      "  timeout client 30s",
      "  timeout server 30s",
      "frontend fe",
      "  bind 127.0.0.1:" + port + bindOptions,
      "  log-format \"haproxy-client=%ci:%cp\"",
      "  default_backend be",
      "backend be",
      "  server s1 " + server,
      ""));
    haproxy = JarProcess.start("haproxy", List.of(HAPROXY, "-W", "-db", "-f", config.toString()), dir, Map.of(),
      null);
    haproxy.awaitLine("Loading success"); // the master binds the port before it starts the worker
    return port;
  }

  /** A port for HAProxy, which cannot report a port it picked itself. */
  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
