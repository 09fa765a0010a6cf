package tcpbalancer.proxy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An upstream server for proxy tests, on loopback: greets each connection with its name and a newline, then
 * echoes every byte back (with backpressure).
 */
final class TestUpstream {

  final String name;
  private final Vertx vertx;
  private final List<NetSocket> sockets = new ArrayList<>();
  private NetServer server;
  private final List<Runnable> acceptListeners = new CopyOnWriteArrayList<>();
  /** Connections accepted so far: clients' through the proxy and the proxy's health checks. */
  volatile int accepted;
  int port;

  private TestUpstream(Vertx vertx, String name) {
    this.vertx = vertx;
    this.name = name;
  }

  /** Starts listening on a free loopback port. */
  static Future<TestUpstream> start(Vertx vertx, String name) {
    return new TestUpstream(vertx, name).listen(0);
  }

  Future<TestUpstream> listen(int wantedPort) {
    server = vertx.createNetServer().connectHandler(socket -> {
      sockets.add(socket);
      accepted++;
      acceptListeners.forEach(Runnable::run);
      socket.closeHandler(v -> sockets.remove(socket));
      socket.write(Buffer.buffer(name + "\n"));
      socket.pipeTo(socket);
    });
    return server.listen(wantedPort, "127.0.0.1").map(s -> {
      port = s.actualPort();
      return this;
    });
  }

  String address() {
    return "127.0.0.1:" + port;
  }

  /** Completes once it has accepted {@code more} connections after this call (on its own event loop). */
  Future<Void> accepts(int more) {
    Promise<Void> done = Promise.promise();
    int[] left = {more};
    Runnable[] listener = new Runnable[1];
    listener[0] = () -> {
      if (--left[0] == 0) {
        acceptListeners.remove(listener[0]);
        done.complete();
      }
    };
    acceptListeners.add(listener[0]);
    return done.future();
  }

  int openConnections() {
    return sockets.size();
  }

  /** Stops listening and drops every open connection, as a crashed server would. */
  Future<Void> kill() {
    new ArrayList<>(sockets).forEach(NetSocket::close);
    return server.close();
  }
}
