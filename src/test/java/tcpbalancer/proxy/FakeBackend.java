package tcpbalancer.proxy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.FrameParser;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;

/**
 * A stand-in for a tcpbalancer backend, on loopback, for health checks: either hung (it accepts connections, as
 * the kernel does for a stopped process, and never reads or answers) or answering every request with a status.
 */
final class FakeBackend {

  private final NetServer server;
  /** null: hung. */
  private volatile Status answer;

  private FakeBackend(Vertx vertx, Status answer) {
    this.answer = answer;
    this.server = vertx.createNetServer().connectHandler(socket -> {
      Status status = this.answer;
      if (status == null) {
        // Hung: reads nothing. On close it lets Vert.x hand over what it still held, which frees Netty's buffers
        // (a connection closed while paused keeps them otherwise, and the leak detector fails the build).
        socket.handler(ignored -> { });
        socket.closeHandler(v -> socket.resume());
        socket.pause();
        return;
      }
      FrameParser.on(socket, Frame.DEFAULT_MAX_BODY_SIZE).frameHandler(frame -> socket.write(
        new ResizeResponse(status, 1, 1, 0, "jpeg", "fake", "health-check", status == Status.OK ? "" : "try later",
          Buffer.buffer()).toFrame(frame.requestId()).encode()));
    });
  }

  static Future<FakeBackend> hung(Vertx vertx) {
    return start(vertx, null);
  }

  static Future<FakeBackend> answering(Vertx vertx, Status status) {
    return start(vertx, status);
  }

  private static Future<FakeBackend> start(Vertx vertx, Status answer) {
    FakeBackend backend = new FakeBackend(vertx, answer);
    return backend.server.listen(0, "127.0.0.1").map(backend);
  }

  /** From now on new connections are answered with {@code status}, as a backend that resumed. */
  void answer(Status status) {
    answer = status;
  }

  String address() {
    return "127.0.0.1:" + server.actualPort();
  }
}
