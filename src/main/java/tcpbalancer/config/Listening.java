package tcpbalancer.config;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.shareddata.LocalMap;
import java.util.Optional;

/**
 * Where the servers of this Vert.x listen, by server name: each server (a backend, a proxy) announces the address
 * it bound once it listens, which matters when its configured port is 0. The announcement is kept in a local
 * map and published on the local event bus at {@link #ADDRESS}, for whoever needs to reach the servers of a
 * deployment (tests, an admin API) without parsing logs.
 */
public final class Listening {

  /** Local event-bus address of announcements: {@code {"name", "host", "port", "deploymentId"}}. */
  public static final String ADDRESS = "tcpbalancer.listening";
  private static final String MAP = "tcpbalancer.listening";

  private Listening() {
  }

  /** Announces that the server {@code name}, deployed from the current verticle, listens on {@code host:port}. */
  public static void announce(Vertx vertx, String name, String host, int port) {
    Context context = vertx.getOrCreateContext();
    JsonObject entry = new JsonObject().put("name", name).put("host", host).put("port", port)
      .put("deploymentId", context.deploymentID());
    vertx.sharedData().<String, JsonObject>getLocalMap(MAP).put(name, entry);
    vertx.eventBus().publish(ADDRESS, entry);
  }

  /** The address the server {@code name} listens on, if a deployment that is still deployed announced it. */
  public static Optional<HostAndPort> of(Vertx vertx, String name) {
    LocalMap<String, JsonObject> map = vertx.sharedData().getLocalMap(MAP);
    JsonObject entry = map.get(name);
    if (entry == null) {
      return Optional.empty();
    }
    if (!vertx.deploymentIDs().contains(entry.getString("deploymentId"))) {
      map.remove(name, entry); // its verticle was undeployed since
      return Optional.empty();
    }
    return Optional.of(HostAndPort.create(entry.getString("host"), entry.getInteger("port")));
  }
}
