package tcpbalancer.proxy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import tcpbalancer.testing.TestCertificates;
import tcpbalancer.testing.KeptClients;

/** What the TLS tests share: configs for certificates, a verifying client, external programs run bounded. */
final class TlsTestSupport {

  private TlsTestSupport() {
  }

  /** A proxy's or backend's {@code tls} key with these leaves, the first the default. */
  static JsonObject tls(TestCertificates.Leaf... leaves) {
    JsonArray certificates = new JsonArray();
    for (TestCertificates.Leaf leaf : leaves) {
      certificates.add(new JsonObject().put("cert", leaf.cert().toString()).put("key", leaf.key().toString()));
    }
    return new JsonObject().put("certificates", certificates);
  }

  /** Connects with TLS trusting {@code ca} and checking the host name, as a careful client does. */
  static Future<NetSocket> connectVerified(Vertx vertx, Path ca, int port) {
    return KeptClients.create(vertx, new NetClientOptions().setSsl(true).setHostnameVerificationAlgorithm("HTTPS")
        .setTrustOptions(new PemTrustOptions().addCertPath(ca.toString())))
      .connect(port, "127.0.0.1");
  }

  /** The common name of the certificate the server presented on {@code socket}. */
  static String peerName(NetSocket socket) {
    try {
      X509Certificate leaf = (X509Certificate) socket.peerCertificates().get(0);
      return leaf.getSubjectX500Principal().getName();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The first {@code length} bytes {@code socket} receives. */
  static Future<String> firstBytes(NetSocket socket, int length) {
    Promise<String> received = Promise.promise();
    Buffer buffer = Buffer.buffer();
    socket.handler(chunk -> {
      buffer.appendBuffer(chunk);
      if (buffer.length() >= length) {
        received.tryComplete(buffer.getString(0, length));
      }
    });
    socket.closeHandler(v -> received.tryFail("closed after " + buffer.length() + " bytes: " + buffer));
    return received.future();
  }

  /** A TLS echo server on loopback, with {@code leaf}'s certificate: an upstream that speaks TLS. */
  static Future<Integer> tlsEcho(Vertx vertx, TestCertificates.Leaf leaf) {
    return vertx.createNetServer(new NetServerOptions().setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
        .setCertPath(leaf.cert().toString()).setKeyPath(leaf.key().toString())))
      .connectHandler(socket -> socket.pipeTo(socket))
      .listen(0, "127.0.0.1").map(server -> server.actualPort());
  }

  /** Output (stdout and stderr) and exit code of a program run to its end, within 30 s. */
  record Run(int exitCode, String output) {
  }

  static Run run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
      .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start(); // s_client ends at end of input
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(String.join(" ", command) + ": still running after 30 s: " + output);
    }
    return new Run(process.exitValue(), output);
  }
}
