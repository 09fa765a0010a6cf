package tcpbalancer.proxy;

import io.vertx.core.Future;
import io.vertx.core.net.NetSocket;

/** The connect is the whole check: for upstreams that speak first or cannot be asked anything harmless. */
record ConnectCheck() implements HealthCheck {

  static final String NAME = "connect";

  @Override
  public Future<Void> probe(NetSocket socket) {
    return Future.succeededFuture();
  }

  @Override
  public String toString() {
    return NAME;
  }
}
