package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tcpbalancer.config.ConfigException;
import tcpbalancer.testing.LogLines;
import tcpbalancer.testing.TestCertificates;
import tcpbalancer.testing.Topology;
import tcpbalancer.testing.KeptClients;

/**
 * A backend with {@code tls} serves TLS that openssl verifies; a plain-text client is closed with a log line;
 * an expired certificate or a key that is not the certificate's fails the start, saying so.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class BackendTlsTest {

  @TempDir
  Path dir;

  private static JsonObject tls(Path cert, Path key) {
    return new JsonObject().put("certificates", new JsonArray().add(new JsonObject()
      .put("cert", cert.toString()).put("key", key.toString())));
  }

  @Test
  void opensslVerifiesTheBackendAndAPlainClientIsClosedWithALogLine(Vertx vertx) throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    TestCertificates.Leaf leaf = certs.loopback("backend");
    try (LogLines log = LogLines.of(BackendVerticle.class)) {
      int port = new Topology().workers(1).backend("secure", new JsonObject().put("tls", tls(leaf.cert(), leaf.key())))
        .deploy(vertx).await().port("secure");

      Process openssl = new ProcessBuilder("openssl", "s_client", "-brief", "-verify_return_error", "-CAfile",
        certs.ca().toString(), "-verify_ip", "127.0.0.1", "-connect", "127.0.0.1:" + port)
        .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
      String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(openssl.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(output).contains("Verification: OK").contains("CN = backend");

      var logged = log.next("the client sent plain text, not TLS");
      Promise<Void> closed = Promise.promise();
      vertx.runOnContext(v -> KeptClients.create(vertx).connect(port, "127.0.0.1").onSuccess(socket -> {
        socket.closeHandler(closed::tryComplete);
        socket.write("not a TLS client hello");
      }).onFailure(closed::tryFail));
      closed.future().await();
      assertThat(logged.await()).isEqualTo("Backend secure: closed a client connection: TLS handshake failed: the "
        + "client sent plain text, not TLS");
    }
  }

  @Test
  void aBadCertificateFailsTheStartSayingWhy(Vertx vertx) {
    TestCertificates certs = TestCertificates.create(dir);
    TestCertificates.Leaf expired = certs.expired("old");
    TestCertificates.Leaf valid = certs.loopback("valid");
    TestCertificates.Leaf other = certs.loopback("other");
    Throwable outdated = deployFailure(vertx, tls(expired.cert(), expired.key()));
    assertThat(outdated).isInstanceOf(ConfigException.class).hasMessageContaining("old.pem: the certificate expired on");
    assertThat(deployFailure(vertx, tls(valid.cert(), other.key())))
      .hasMessageEndingWith("other.key: is not the private key of the certificate in " + valid.cert());
  }

  private static Throwable deployFailure(Vertx vertx, JsonObject tls) {
    try {
      vertx.deployVerticle(new BackendVerticle(), new DeploymentOptions()
        .setConfig(new JsonObject().put("host", "127.0.0.1").put("port", 0).put("tls", tls))).await();
      return null;
    } catch (Throwable e) {
      return e;
    }
  }
}
