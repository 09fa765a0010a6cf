package tcpbalancer.client;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import tcpbalancer.testing.Topology;

/**
 * A TCP relay in front of one server, so that a test can act at a given moment of a conversation instead of
 * polling for it: {@link #requestAfterAnswer()} completes when a connection, having had an answer, carries the
 * next request. Closing one side closes the other.
 */
final class TappedRelay {

  private final NetServer server;
  private final NetClient client;
  private final Promise<Void> requestAfterAnswer = Promise.promise();

  private TappedRelay(Vertx vertx, int targetPort) {
    client = vertx.createNetClient();
    server = vertx.createNetServer().connectHandler(inbound -> {
      inbound.pause();
      client.connect(targetPort, Topology.HOST)
        .onSuccess(outbound -> relay(inbound, outbound))
        .onFailure(e -> inbound.close());
    });
  }

  /** Listens on a free loopback port, relaying to {@code targetPort} on loopback. */
  static Future<TappedRelay> start(Vertx vertx, int targetPort) {
    TappedRelay relay = new TappedRelay(vertx, targetPort);
    return relay.server.listen(0, Topology.HOST).map(relay);
  }

  int port() {
    return server.actualPort();
  }

  /** Completes when the first connection that has received an answer sends more: a request is on the way. */
  Future<Void> requestAfterAnswer() {
    return requestAfterAnswer.future();
  }

  /** Stops listening and closes every relayed connection. */
  Future<Void> close() {
    return server.close().compose(v -> client.close());
  }

  private void relay(NetSocket inbound, NetSocket outbound) {
    boolean[] answered = {false};
    forward(inbound, outbound, () -> {
      if (answered[0]) {
        requestAfterAnswer.tryComplete();
      }
    });
    forward(outbound, inbound, () -> answered[0] = true);
    inbound.resume();
  }

  /** Copies {@code from} to {@code to} with backpressure, telling {@code onChunk} before each chunk. */
  private static void forward(NetSocket from, NetSocket to, Runnable onChunk) {
    from.handler(chunk -> {
      onChunk.run();
      to.write(chunk);
      if (to.writeQueueFull()) {
        from.pause();
        to.drainHandler(v -> from.resume());
      }
    });
    from.closeHandler(v -> to.close());
    from.exceptionHandler(e -> from.close());
  }
}
