package tcpbalancer.client;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.FrameParser;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;
import tcpbalancer.testing.Topology;

/** A backend that answers "ok" with the names it is given, in turn: paths meant to escape the output folder. */
final class HostileBackend {

  private HostileBackend() {
  }

  /** Starts on a free loopback port and returns it. */
  static Future<Integer> start(Vertx vertx, List<String> names) {
    return start(vertx, names, FakeBackend.PNG);
  }

  /** Like {@link #start(Vertx, List)}, every answer carrying {@code png} as its image bytes. */
  static Future<Integer> start(Vertx vertx, List<String> names, Buffer png) {
    AtomicInteger next = new AtomicInteger();
    NetServer server = vertx.createNetServer().connectHandler(socket ->
      FrameParser.on(socket, Frame.DEFAULT_MAX_BODY_SIZE).frameHandler(frame -> {
        String name = names.get(next.getAndIncrement() % names.size());
        socket.write(new ResizeResponse(Status.OK, 200, 150, 1, "png", "evil", name, "", png)
          .toFrame(frame.requestId()).encode());
      }));
    return server.listen(0, Topology.HOST).map(NetServer::actualPort);
  }
}
