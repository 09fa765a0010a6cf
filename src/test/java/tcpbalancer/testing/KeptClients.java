package tcpbalancer.testing;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Net clients a test connects through and does not keep itself. Vert.x 5 closes a NetClient that nothing refers to
 * any more (its CleanableNetClient), and every connection it opened with it, whenever the collector runs: a
 * connection made through a throwaway client can close under a test at any moment. These stay referenced until
 * the test JVM exits; closing their Vert.x closes them.
 */
public final class KeptClients {

  private static final List<NetClient> KEPT = new CopyOnWriteArrayList<>();

  private KeptClients() {
  }

  public static NetClient create(Vertx vertx) {
    return create(vertx, new NetClientOptions());
  }

  public static NetClient create(Vertx vertx, NetClientOptions options) {
    NetClient client = vertx.createNetClient(options);
    KEPT.add(client);
    return client;
  }
}
