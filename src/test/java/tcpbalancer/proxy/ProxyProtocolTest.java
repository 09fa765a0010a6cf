package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServerOptions;
import io.vertx.junit5.VertxExtension;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tcpbalancer.testing.LogLines;

/**
 * The PROXY protocol between our own programs, with Vert.x's decoder on the receiving side: a proxy with
 * {@code sendProxy} tells its upstream the client's address, a proxy with {@code acceptProxy} takes the address
 * from the header and refuses a connection without one. (ProxyProtocolHaproxyTest checks both against HAProxy.)
 * Clients connect from 127.0.0.2, so that the real address differs from the proxy's own 127.0.0.1.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyProtocolTest {

  static final String CLIENT_HOST = "127.0.0.2";

  private LogLines access;
  private LogLines proxyLog;

  @BeforeEach
  void captureLogs() {
    access = LogLines.of(AccessEntry.LOGGER);
    proxyLog = LogLines.of(ProxyVerticle.class);
  }

  @AfterEach
  void detach() {
    access.close();
    proxyLog.close();
  }

  @ParameterizedTest
  @EnumSource(value = SendProxy.class, names = {"V1", "V2"})
  void theUpstreamLearnsTheClientsAddressAndTheOneItConnectedTo(SendProxy version, Vertx vertx)
    throws IOException {
    // An upstream that reads the header as any Vert.x server with the PROXY protocol would, and says what it saw.
    int upstreamPort = vertx.createNetServer(new NetServerOptions().setUseProxyProtocol(true))
      .connectHandler(socket -> socket.end(io.vertx.core.buffer.Buffer.buffer(
        socket.remoteAddress() + " " + socket.localAddress() + "\n")))
      .listen(0, "127.0.0.1").await().actualPort();
    ProxyVerticle proxy = ProxyTestSupport.deployProxy(vertx, new JsonObject().put("upstreams", new JsonArray()
      .add(new JsonObject().put("address", "127.0.0.1:" + upstreamPort).put("sendProxy", version.toString()))), 1)
      .await();

    try (Socket client = connectFrom(CLIENT_HOST, proxy.actualPort())) {
      assertThat(firstLine(client)).isEqualTo(CLIENT_HOST + ":" + client.getLocalPort() + " 127.0.0.1:"
        + proxy.actualPort());
    }
  }

  @ParameterizedTest
  @EnumSource(SendProxy.class)
  void aHealthCheckOfAnUpstreamThatWantsAHeaderSendsOne(SendProxy version, Vertx vertx) {
    // It speaks first, once Vert.x has read the header: without one, it never does.
    int upstreamPort = vertx.createNetServer(new NetServerOptions().setUseProxyProtocol(true))
      .connectHandler(socket -> socket.write("ok\n"))
      .listen(0, "127.0.0.1").await().actualPort();
    JsonObject upstream = new JsonObject().put("address", "127.0.0.1:" + upstreamPort)
      .put("sendProxy", version.toString());
    ProxyOptions options = ProxyOptions.fromJson(new JsonObject().put("port", 0).put("checkTimeoutMillis", 2000)
      .put("check", new JsonObject().put("expect", "6f6b")).put("upstreams", new JsonArray().add(upstream)),
      "config");
    HealthChecker checker = new HealthChecker(vertx, null, options, down -> { });
    try {
      Future<Void> check = checker.check(options.upstreams().get(0));
      if (version == SendProxy.OFF) {
        assertThatThrownBy(check::await).hasMessage("no answer within 2000 ms");
      } else {
        check.await();
      }
    } finally {
      checker.stop();
    }
  }

  @Test
  void aConnectionWithoutAHeaderIsRefusedAndTheNextOneWithAHeaderIsServed(Vertx vertx) throws Exception {
    TestUpstream upstream = TestUpstream.start(vertx, "a").await();
    ProxyVerticle back = ProxyTestSupport.deployProxy(vertx, new JsonObject().put("name", "back")
      .put("acceptProxy", true).put("accessLog", true).put("upstreams", new JsonArray().add(upstream.address())), 1)
      .await();
    // The front proxy passes the client's address on, as HAProxy's send-proxy-v2 would.
    ProxyVerticle front = ProxyTestSupport.deployProxy(vertx, new JsonObject().put("name", "front")
      .put("upstreams", new JsonArray().add(new JsonObject().put("address", "127.0.0.1:" + back.actualPort())
        .put("sendProxy", "v2"))), 1).await();

    try (Socket plain = connectFrom(CLIENT_HOST, back.actualPort())) {
      plain.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(plain.getInputStream().read()).as("the connection is closed unanswered").isEqualTo(-1);
    }
    assertThat(proxyLog.awaitAny("PROXY protocol"))
      .startsWith("Proxy back: refused a connection without a valid PROXY protocol header: ")
      .as("Netty's reason, not its exception's name").doesNotContain("Exception");

    try (Socket client = connectFrom(CLIENT_HOST, front.actualPort())) {
      assertThat(firstLine(client)).isEqualTo("a");
      client.shutdownOutput();
      assertThat(client.getInputStream().read()).isEqualTo(-1);
      // The front's health checks pass through the back too, from 127.0.0.1.
      assertThat(LogLines.fields(access.awaitAny("client=" + CLIENT_HOST))).containsEntry("proxy", "back")
        .containsEntry("client", CLIENT_HOST + ":" + client.getLocalPort())
        .containsEntry("upstream", upstream.address());
    }
  }

  static Socket connectFrom(String host, int port) throws IOException {
    Socket socket = new Socket();
    socket.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
    socket.setSoTimeout(20_000); // a read that would hang fails the test instead
    return socket;
  }

  static String firstLine(Socket socket) throws IOException {
    return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
  }
}
