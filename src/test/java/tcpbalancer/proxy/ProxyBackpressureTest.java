package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tcpbalancer.testing.JarProcess;

/**
 * A slow reader must not make the proxy buffer what a fast upstream sends. The proxy runs in its own JVM with a
 * small heap and direct-memory limit, and moves several times that much to slow clients: without backpressure
 * it would run out of memory and the transfers would break.
 */
class ProxyBackpressureTest {

  private static final int CHUNK = 64 * 1024;
  private static final int CHUNKS_PER_CONNECTION = 768; // 48 MiB
  private static final int CONNECTIONS = 3;

  @TempDir
  Path dir;
  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  void slowReadersGetEveryByteFromAFastUpstreamThroughASmallHeap() throws Exception {
    Buffer chunk = ProxyTestClient.bytes(CHUNK, 3);
    NetServer source = vertx.createNetServer().connectHandler(socket -> send(socket, chunk, CHUNKS_PER_CONNECTION));
    int sourcePort = source.listen(0, "127.0.0.1").await().actualPort();

    try (JarProcess proxy = JarProcess.launcher(dir, Map.of(),
      List.of("-Xmx64m", "-XX:MaxDirectMemorySize=32m", "-Dio.netty.leakDetection.level=paranoid"),
      // The source is no tcpbalancer backend: the default resize check would take it down (and the transfers
      // with it, the proxy closing its connections) after three failed checks, 6 s, a time a loaded machine takes.
      "proxy", "-p", "0", "--host", "127.0.0.1", "--instances", "1", "--check", "connect",
      "-u", "127.0.0.1:" + sourcePort)) {
      int proxyPort = Integer.parseInt(proxy.awaitLine("listening on 127\\.0\\.0\\.1:(\\d+)").group(1));

      NetClient client = vertx.createNetClient();
      List<Future<Long>> received = new ArrayList<>();
      for (int i = 0; i < CONNECTIONS; i++) {
        received.add(client.connect(proxyPort, "127.0.0.1").compose(this::readSlowly));
      }
      List<Long> checksums = Future.all(received).map(all -> all.<Long>list())
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);

      long expected = expectedChecksum(chunk);
      assertThat(checksums).hasSize(CONNECTIONS).containsOnly(expected);
      assertThat(proxy.stderr()).doesNotContain("OutOfMemoryError").doesNotContain("LEAK:");
    }
  }

  /** Writes {@code count} chunks as fast as the socket takes them (respecting its write queue), then closes. */
  private static void send(NetSocket socket, Buffer chunk, int count) {
    int left = count;
    while (left > 0 && !socket.writeQueueFull()) {
      socket.write(chunk);
      left--;
    }
    if (left == 0) {
      socket.end();
    } else {
      int remaining = left;
      socket.drainHandler(v -> send(socket, chunk, remaining));
    }
  }

  /** Reads the whole stream, pausing 10 ms after every MiB; completes with the CRC32 of what arrived. */
  private Future<Long> readSlowly(NetSocket socket) {
    Promise<Long> done = Promise.promise();
    CRC32 crc = new CRC32();
    long[] sinceLastPause = {0};
    long[] total = {0};
    socket.handler(buffer -> {
      crc.update(buffer.getBytes());
      total[0] += buffer.length();
      sinceLastPause[0] += buffer.length();
      if (sinceLastPause[0] >= 1024 * 1024) {
        sinceLastPause[0] = 0;
        socket.pause();
        vertx.setTimer(10, id -> socket.resume());
      }
    });
    socket.endHandler(v -> {
      if (total[0] == (long) CHUNK * CHUNKS_PER_CONNECTION) {
        done.tryComplete(crc.getValue());
      } else {
        done.tryFail("received " + total[0] + " bytes, expected " + (long) CHUNK * CHUNKS_PER_CONNECTION);
      }
    });
    socket.exceptionHandler(done::tryFail);
    return done.future();
  }

  private static long expectedChecksum(Buffer chunk) {
    CRC32 crc = new CRC32();
    byte[] bytes = chunk.getBytes();
    for (int i = 0; i < CHUNKS_PER_CONNECTION; i++) {
      crc.update(bytes);
    }
    return crc.getValue();
  }
}
