package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The direct write queue reaches into Vert.x's internals: if a Vert.x upgrade takes it away (install fails) or it
 * breaks backpressure (the write queue never fills, the drain handler never runs, bytes are lost), this fails.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DirectWritesTest {

  private static final int CHUNK = 64 * 1024;
  private static final int MAX_CHUNKS = 4096; // 256 MiB: far more than a loopback socket's buffers hold

  @Test
  void installsOnlyOnTheSocketsOwnEventLoop(Vertx vertx) throws Exception {
    Promise<Boolean> onItsLoop = Promise.promise();
    Promise<NetSocket> accepted = Promise.promise();
    int port = vertx.createNetServer().connectHandler(socket -> {
      onItsLoop.complete(DirectWrites.install(socket));
      accepted.complete(socket);
    }).listen(0, "127.0.0.1").await().actualPort();

    try (Socket peer = new Socket(InetAddress.getLoopbackAddress(), port)) {
      assertThat(onItsLoop.future().await(10, TimeUnit.SECONDS)).as("installed on its event loop").isTrue();
      assertThat(DirectWrites.install(accepted.future().await(10, TimeUnit.SECONDS)))
        .as("refused from another thread").isFalse();
    }
  }

  @Test
  void aFullChannelFillsTheWriteQueueAndItsDrainResumesTheWriter(Vertx vertx) throws Exception {
    Buffer chunk = ProxyTestClient.bytes(CHUNK, 7);
    Promise<Long> sentUntilFull = Promise.promise();
    Promise<Void> drained = Promise.promise();
    int port = vertx.createNetServer().connectHandler(socket -> {
      assertThat(DirectWrites.install(socket)).isTrue();
      long sent = 0;
      while (!socket.writeQueueFull() && sent < (long) MAX_CHUNKS * CHUNK) {
        socket.write(chunk);
        sent += CHUNK;
      }
      long total = sent;
      socket.drainHandler(v -> {
        drained.tryComplete();
        socket.end(); // after what was written: the peer reads every byte, then the end
      });
      sentUntilFull.complete(total);
    }).listen(0, "127.0.0.1").await().actualPort();

    try (Socket peer = new Socket(InetAddress.getLoopbackAddress(), port)) {
      long sent = sentUntilFull.future().await(10, TimeUnit.SECONDS);
      assertThat(sent).as("the write queue filled before the bound").isLessThan((long) MAX_CHUNKS * CHUNK);
      assertThat(drained.future().isComplete()).as("no drain while the peer reads nothing").isFalse();
      long received = 0;
      byte[] into = new byte[CHUNK];
      InputStream in = peer.getInputStream();
      for (int n; (n = in.read(into)) > 0; ) {
        received += n;
      }
      assertThat(drained.future().isComplete()).isTrue();
      assertThat(received).isEqualTo(sent);
    }
  }
}
