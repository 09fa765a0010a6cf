package tcpbalancer.client;

import static org.assertj.core.api.Assertions.assertThat;
import static tcpbalancer.client.ClientTestSupport.clientConfig;
import static tcpbalancer.client.ClientTestSupport.files;
import static tcpbalancer.client.ClientTestSupport.runClient;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tcpbalancer.TestImages;
import tcpbalancer.proxy.ProxyRuntime;
import tcpbalancer.proxy.UpstreamState;
import tcpbalancer.testing.TestCertificates;
import tcpbalancer.testing.Topology;

/**
 * Encrypted end to end: the client speaks TLS to the proxy, which terminates it and speaks TLS again to backends
 * that terminate it, each side verifying the other's certificate and host name; the proxy's resize checks go over
 * TLS too (they would take the backends down at their first failure).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class ClientTlsEndToEndTest {

  @TempDir
  Path dir;

  @Test
  void everyImageIsResizedOverTlsAllTheWay(Vertx vertx) throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    JsonObject backendTls = tls(certs.loopback("backend"));
    JsonObject proxy = new JsonObject().put("tls", tls(certs.loopback("proxy")))
      .put("upstreamTls", new JsonObject().put("ca", certs.ca().toString()))
      // each check is a full TLS handshake: on a loaded machine one can take longer than the 1 s default
      .put("checkTimeoutMillis", 5_000);
    Topology.Deployment deployed = new Topology().workers(2)
      .backend("b1", new JsonObject().put("tls", backendTls)).backend("b2", new JsonObject().put("tls", backendTls))
      .proxy("lb", proxy, "b1", "b2").deploy(vertx).await();

    List<Path> images = TestImages.benchImages();
    Path output = dir.resolve("out");
    RunReport report = runClient(vertx, clientConfig(deployed.port("lb"), images.get(0).getParent().toString(),
      output.toString()).put("minConns", 2).put("maxConns", 2)
      .put("tls", new JsonObject().put("ca", certs.ca().toString()))).await();

    assertThat(report.exitCode()).isZero();
    assertThat(report.resizedCount()).isEqualTo(images.size());
    assertThat(report.backends()).containsOnlyKeys("b1", "b2");
    assertThat(files(output)).hasSameSizeAs(images);
    List<UpstreamState> upstreams = ProxyRuntime.of(vertx, "lb").upstreams();
    assertThat(upstreams).allMatch(UpstreamState::isUp);
    assertThat(upstreams).as("the TLS resize checks never failed").allMatch(u -> u.lastStateChange().isEmpty());
  }

  private static JsonObject tls(TestCertificates.Leaf leaf) {
    return new JsonObject().put("certificates", new JsonArray().add(new JsonObject()
      .put("cert", leaf.cert().toString()).put("key", leaf.key().toString())));
  }
}
