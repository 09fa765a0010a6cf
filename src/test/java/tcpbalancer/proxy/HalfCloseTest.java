package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The half-close mechanism the relay builds on, which reaches below Vert.x's public API: if a Vert.x upgrade
 * breaks it (the socket closes at the peer's FIN, the end comes out of order, a write after it is never flushed,
 * the output cannot be shut down alone), this fails.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HalfCloseTest {

  /** What the server socket read, in order: text for bytes, "<end>" for {@link HalfClose#INPUT_ENDED}. */
  private final List<String> read = new CopyOnWriteArrayList<>();

  @Test
  void aSocketReadsTheEndAfterTheBytesThenAnswersAndShutsDownItsOutput(Vertx vertx) throws IOException {
    int port = serve(vertx, socket -> { }, socket -> HalfClose.shutdownOutput(socket));

    try (Socket peer = connect(port)) {
      OutputStream out = peer.getOutputStream();
      out.write("request".getBytes(StandardCharsets.US_ASCII));
      peer.shutdownOutput();
      // The server answers only after it read the FIN, then shuts down its output: the peer reads to the end.
      assertThat(readAll(peer.getInputStream())).isEqualTo("answer to request");
    }
    assertThat(read).containsExactly("request", "<end>");
  }

  @Test
  void aPausedSocketDeliversTheEndAfterTheBytesItHeld(Vertx vertx) throws Exception {
    Promise<NetSocketInternal> finSeen = Promise.promise();
    int port = serve(vertx, socket -> {
      socket.pause();
      socket.channelHandlerContext().pipeline().addFirst(new ChannelInboundHandlerAdapter() {
        @Override
        public void userEventTriggered(ChannelHandlerContext context, Object event) {
          if (event instanceof ChannelInputShutdownEvent) {
            finSeen.tryComplete(socket);
          }
          context.fireUserEventTriggered(event);
        }
      });
    }, socket -> HalfClose.shutdownOutput(socket));

    try (Socket peer = connect(port)) {
      peer.getOutputStream().write("held".getBytes(StandardCharsets.US_ASCII));
      peer.shutdownOutput();
      NetSocketInternal paused = finSeen.future().await(10, TimeUnit.SECONDS);
      assertThat(read).as("nothing is delivered while paused").isEmpty();
      vertx.runOnContext(v -> paused.resume());
      assertThat(readAll(peer.getInputStream())).isEqualTo("answer to held");
    }
    assertThat(read).containsExactly("held", "<end>");
  }

  /**
   * A server whose sockets have the half-close handler: {@code onAccept} runs first; each socket collects what
   * it reads and, at the end, answers "answer to ..." and hands itself to {@code atEnd}.
   */
  private int serve(Vertx vertx, Consumer<NetSocketInternal> onAccept, Consumer<NetSocket> atEnd) {
    NetServer server = vertx.createNetServer().connectHandler(accepted -> {
      NetSocketInternal socket = (NetSocketInternal) accepted;
      HalfClose.install(socket);
      StringBuilder request = new StringBuilder();
      socket.messageHandler(message -> {
        if (message == HalfClose.INPUT_ENDED) {
          read.add("<end>");
          socket.write("answer to " + request);
          atEnd.accept(socket);
        } else if (message instanceof ByteBuf bytes) {
          String text = bytes.toString(StandardCharsets.US_ASCII);
          request.append(text);
          read.add(text);
        }
        ReferenceCountUtil.release(message);
      });
      onAccept.accept(socket);
    });
    return server.listen(0, "127.0.0.1").await().actualPort();
  }

  private static Socket connect(int port) throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setSoTimeout(10_000); // a read that would hang fails the test instead
    return socket;
  }

  private static String readAll(InputStream in) throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
  }
}
