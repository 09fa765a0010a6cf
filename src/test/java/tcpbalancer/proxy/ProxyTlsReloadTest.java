package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static tcpbalancer.proxy.TlsTestSupport.connectVerified;
import static tcpbalancer.proxy.TlsTestSupport.peerName;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tcpbalancer.config.CertificateReloader;
import tcpbalancer.testing.LogLines;
import tcpbalancer.testing.TestCertificates;

/**
 * Certificates are reloaded when their files change, for every instance at once, without a restart; a broken,
 * mismatched or expired new certificate is refused with a log line and the one in use stays.
 */
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ProxyTlsReloadTest extends ProxyTestSupport {

  @TempDir
  Path dir;

  @Test
  void aChangedCertificateIsServedAndABrokenOneRefused(Vertx vertx) throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    TestCertificates.Leaf first = certs.loopback("first");
    TestCertificates.Leaf second = certs.loopback("second");
    TestCertificates.Leaf expired = certs.expired("expired");
    TestCertificates.Leaf live = new TestCertificates.Leaf(dir.resolve("live.pem"), dir.resolve("live.key"));
    install(first, live);
    TestUpstream upstream = TestUpstream.start(vertx, "echo").await();
    JsonObject config = new JsonObject().put("upstreams", new JsonArray().add(upstream.address()))
      .put("tls", TlsTestSupport.tls(live).put("reloadIntervalMillis", 50));
    List<ProxyVerticle> proxies = deployProxies(vertx, config, 2).await();
    int port = proxies.get(0).actualPort();
    int otherPort = proxies.get(1).actualPort();
    assertThat(served(vertx, certs, port)).isEqualTo("CN=first");

    try (LogLines log = LogLines.of(CertificateReloader.class)) {
      var reloaded = log.next("reloaded the changed certificates: CN=second");
      install(second, live);
      assertThat(reloaded.await()).startsWith("Proxy test-proxy: ");
      assertThat(served(vertx, certs, port)).isEqualTo("CN=second");
      assertThat(served(vertx, certs, otherPort)).as("every instance").isEqualTo("CN=second");

      var garbage = log.next("refusing the changed certificates");
      Files.writeString(live.cert(), "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
      assertThat(garbage.await()).contains("cannot be read as a PEM certificate and private key");
      assertThat(served(vertx, certs, port)).isEqualTo("CN=second");

      var mismatched = log.next("is not the private key of the certificate");
      Files.copy(second.cert(), live.cert(), StandardCopyOption.REPLACE_EXISTING);
      Files.copy(first.key(), live.key(), StandardCopyOption.REPLACE_EXISTING);
      assertThat(mismatched.await()).contains("live.key");
      assertThat(served(vertx, certs, port)).isEqualTo("CN=second");

      var outdated = log.next("the certificate expired on");
      install(expired, live);
      assertThat(outdated.await()).contains("live.pem");
      assertThat(served(vertx, certs, port)).isEqualTo("CN=second");
    }
  }

  /** Puts {@code leaf}'s files in place of {@code live}'s, the key first: a reload sees the new pair whole. */
  private static void install(TestCertificates.Leaf leaf, TestCertificates.Leaf live) throws IOException {
    Path key = Files.copy(leaf.key(), live.key().resolveSibling("next.key"), StandardCopyOption.REPLACE_EXISTING);
    Path cert = Files.copy(leaf.cert(), live.cert().resolveSibling("next.pem"), StandardCopyOption.REPLACE_EXISTING);
    Files.move(key, live.key(), StandardCopyOption.ATOMIC_MOVE);
    Files.move(cert, live.cert(), StandardCopyOption.ATOMIC_MOVE);
  }

  private String served(Vertx vertx, TestCertificates certs, int port) {
    return awaitOnEventLoop(vertx, () -> connectVerified(vertx, certs.ca(), port).map(socket -> {
      String name = peerName(socket);
      socket.close();
      return name;
    }));
  }
}
