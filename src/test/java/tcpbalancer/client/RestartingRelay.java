package tcpbalancer.client;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.HashSet;
import java.util.Set;
import tcpbalancer.testing.Topology;

/**
 * A TCP relay in front of one server that plays a proxy crashing and restarting: once it has relayed a given
 * number of answer chunks it stops listening and drops every connection at once (connects are then refused),
 * and after an outage it listens again on the same port.
 */
final class RestartingRelay {

  private final Vertx vertx;
  private final int targetPort;
  private final NetClient client;
  private final Set<NetSocket> sockets = new HashSet<>();
  private final Promise<Void> cut = Promise.promise();
  private final Promise<Void> restarted = Promise.promise();
  private int answersBeforeCut;
  private final long outageMillis;
  private NetServer server;
  private int port;

  private RestartingRelay(Vertx vertx, int targetPort, int answersBeforeCut, long outageMillis) {
    this.vertx = vertx;
    this.targetPort = targetPort;
    this.answersBeforeCut = answersBeforeCut;
    this.outageMillis = outageMillis;
    this.client = vertx.createNetClient();
  }

  /** Listens on a free loopback port, relaying to {@code targetPort}; cuts after that many answer chunks. */
  static Future<RestartingRelay> start(Vertx vertx, int targetPort, int answersBeforeCut, long outageMillis) {
    RestartingRelay relay = new RestartingRelay(vertx, targetPort, answersBeforeCut, outageMillis);
    return relay.listen(0).map(relay);
  }

  int port() {
    return port;
  }

  /** Completes when the relay went away. */
  Future<Void> cut() {
    return cut.future();
  }

  /** Completes when the relay listens again after its outage. */
  Future<Void> restarted() {
    return restarted.future();
  }

  private Future<Void> listen(int onPort) {
    server = vertx.createNetServer().connectHandler(inbound -> {
      inbound.pause();
      client.connect(targetPort, Topology.HOST)
        .onSuccess(outbound -> relay(inbound, outbound))
        .onFailure(e -> inbound.close());
    });
    return server.listen(onPort, Topology.HOST).map(s -> {
      port = s.actualPort();
      return null;
    });
  }

  private void relay(NetSocket inbound, NetSocket outbound) {
    if (cut.future().isComplete() && !restarted.future().isComplete()) {
      inbound.close();
      outbound.close();
      return;
    }
    sockets.add(inbound);
    sockets.add(outbound);
    forward(inbound, outbound, false);
    forward(outbound, inbound, true);
    inbound.resume();
  }

  private void forward(NetSocket from, NetSocket to, boolean answers) {
    from.handler(chunk -> {
      if (answers && !cut.future().isComplete() && --answersBeforeCut < 0) {
        goAway();
        return;
      }
      to.write(chunk);
      if (to.writeQueueFull()) {
        from.pause();
        to.drainHandler(v -> from.resume());
      }
    });
    from.closeHandler(v -> {
      sockets.remove(from);
      to.close();
    });
    from.exceptionHandler(e -> from.close());
  }

  /** Like a kill -9: no more listening, every connection dropped; back on the same port after the outage. */
  private void goAway() {
    cut.complete();
    NetServer old = server;
    old.close().onComplete(closed -> {
      vertx.setTimer(outageMillis, id -> listen(port).onComplete(restarted));
    });
    new HashSet<>(sockets).forEach(NetSocket::close);
  }
}
