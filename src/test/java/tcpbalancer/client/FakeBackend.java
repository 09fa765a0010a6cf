package tcpbalancer.client;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import java.util.concurrent.atomic.AtomicInteger;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.FrameParser;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;
import tcpbalancer.testing.Topology;

/** A backend played by a test: each request gets the answer the test's script gives, or none (null). */
final class FakeBackend {

  /** The first bytes of a PNG file: enough for the client to take an answer's bytes for a PNG image. */
  static final Buffer PNG = Buffer.buffer(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0});

  /** What to answer to {@code request}, arrived on the {@code connection}-th connection (from 0); null: nothing. */
  interface Script {
    ResizeResponse answer(int connection, ResizeRequest request);
  }

  private FakeBackend() {
  }

  /** An "ok" answer for {@code request}: 200x150, in PNG, with {@code image} as its bytes. */
  static ResizeResponse ok(ResizeRequest request, Buffer image) {
    return new ResizeResponse(Status.OK, 200, 150, 1, "png", "fake", request.name(), "", image);
  }

  /** Starts on a free loopback port and returns it. */
  static Future<Integer> start(Vertx vertx, Script script) {
    AtomicInteger connections = new AtomicInteger();
    NetServer server = vertx.createNetServer().connectHandler(socket -> {
      int connection = connections.getAndIncrement();
      FrameParser.on(socket, Frame.DEFAULT_MAX_BODY_SIZE).frameHandler(frame -> {
        ResizeResponse answer = script.answer(connection, ResizeRequest.decode(frame.body()));
        if (answer != null) {
          socket.write(answer.toFrame(frame.requestId()).encode());
        }
      });
    });
    return server.listen(0, Topology.HOST).map(NetServer::actualPort);
  }
}
