package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Vertx;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tcpbalancer.testing.JarProcess;
import tcpbalancer.testing.LogLines;

/**
 * Half-close through the proxy, with programs nobody here wrote: socat as a client that sends its request,
 * shuts down its writing half and reads the whole answer, and socat as a server whose command reads until the
 * end before it answers (.ci/run installs socat).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ProxyHalfCloseTest {

  private static final int ANSWER_BYTES = 2_000_000;

  private LogLines access;
  private JarProcess server;

  @BeforeEach
  void captureAccessLog() {
    access = LogLines.of(AccessEntry.LOGGER);
  }

  @AfterEach
  void stop() throws InterruptedException {
    access.close();
    if (server != null) {
      server.terminate();
    }
  }

  @Test
  void aClientThatHalfClosesGetsTheWholeAnswerOfAServerThatReadsUntilTheEnd(Vertx vertx, @TempDir Path dir)
    throws Exception {
    // wc answers only once it has read the end; then 2 MB more, to be flushed before the proxy passes the FIN on.
    server = JarProcess.start("socat-server", List.of("socat", "-d", "-d",
      "TCP-LISTEN:0,bind=127.0.0.1,reuseaddr,fork", "SYSTEM:wc -c; head -c " + ANSWER_BYTES + " /dev/zero"),
      dir, Map.of(), null);
    int serverPort = Integer.parseInt(server.awaitLine("listening on AF=2 127\\.0\\.0\\.1:(\\d+)").group(1));
    ProxyVerticle proxy = ProxyTestSupport.deployProxy(vertx, new JsonObject().put("accessLog", true)
      .put("upstreams", new JsonArray().add("127.0.0.1:" + serverPort)), 1).await();
    String request = "a request whose end is its FIN\n";
    Path requestFile = Files.writeString(dir.resolve("request"), request);
    Path answerFile = dir.resolve("answer");

    Process client = new ProcessBuilder("socat", "-t", "30", "-", "TCP:127.0.0.1:" + proxy.actualPort())
      .redirectInput(requestFile.toFile()).redirectOutput(answerFile.toFile())
      .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    if (!client.waitFor(60, TimeUnit.SECONDS)) {
      client.destroyForcibly();
      fail("socat did not finish within 60 s");
    }

    byte[] answer = Files.readAllBytes(answerFile);
    String count = request.length() + "\n";
    assertThat(client.exitValue()).isZero();
    assertThat(new String(answer, 0, Math.min(count.length(), answer.length), StandardCharsets.US_ASCII))
      .isEqualTo(count);
    assertThat(answer).hasSize(count.length() + ANSWER_BYTES);
    assertThat(clientLine()).containsEntry("bytes_in", String.valueOf(request.length()))
      .containsEntry("bytes_out", String.valueOf(answer.length)).containsEntry("end", "client-closed");
  }

  @Test
  void aConnectionLeftHalfClosedIsClosedAfterTheFinTimeout(Vertx vertx) throws Exception {
    // An upstream that keeps its side open after the client's FIN and never answers.
    int upstreamPort = vertx.createNetServer().connectHandler(socket -> {
      HalfClose.install(socket);
      ((NetSocketInternal) socket).messageHandler(ReferenceCountUtil::release);
    }).listen(0, "127.0.0.1").await().actualPort();
    int finTimeout = 300;
    ProxyVerticle proxy = ProxyTestSupport.deployProxy(vertx, new JsonObject().put("accessLog", true)
      .put("finTimeoutMillis", finTimeout).put("upstreams", new JsonArray().add("127.0.0.1:" + upstreamPort)), 1)
      .await();

    try (Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.actualPort())) {
      client.setSoTimeout(20_000);
      client.getOutputStream().write('x');
      long halfClosed = System.nanoTime();
      client.shutdownOutput();
      assertThat(client.getInputStream().read()).as("the proxy ends the connection").isEqualTo(-1);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - halfClosed)).isGreaterThanOrEqualTo(finTimeout);
    }
    assertThat(clientLine()).containsEntry("bytes_in", "1").containsEntry("end", "fin-timeout");
  }

  /** The access log's first line: the test's one client connection (health checks have none). */
  private Map<String, String> clientLine() throws InterruptedException {
    return LogLines.fields(access.awaitFirst());
  }
}
