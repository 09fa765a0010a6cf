package tcpbalancer.cluster;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The backends of the cluster, kept in a cluster-wide map: each backend announces its address under its node's
 * id; a proxy lists the entries of live nodes only, so a dead node's backends vanish as soon as the cluster
 * manager drops the node, even though nobody removed them (the proxy clears them then). Announcements and
 * withdrawals are also published on {@link #CHANGED_ADDRESS} so proxies look again at once.
 *
 * <p>A node cut off for a while is dropped, and its entries cleared, though it still runs: when it merges back,
 * its backends announce themselves again. Each announcement is stamped with its time, so that a proxy clearing
 * the entry it read as dead never removes a newer announcement under the same key.
 */
public final class BackendDirectory {

  public static final String MAP = "tcpbalancer.backends";
  public static final String CHANGED_ADDRESS = "tcpbalancer.backends.changed";

  /**
   * A backend as announced: its name, where the proxy reaches it, and whether each connection to it must start with
   * a PROXY protocol header (its {@code acceptProxy}).
   */
  public record Entry(String name, String host, int port, String nodeId, boolean acceptProxy) {

    JsonObject toJson() {
      return new JsonObject().put("name", name).put("host", host).put("port", port).put("nodeId", nodeId)
        .put("acceptProxy", acceptProxy).put("announcedAt", System.currentTimeMillis());
    }

    static Entry fromJson(JsonObject json) {
      return new Entry(json.getString("name"), json.getString("host"), json.getInteger("port"),
        json.getString("nodeId"), json.getBoolean("acceptProxy", false));
    }
  }

  private BackendDirectory() {
  }

  private static Future<AsyncMap<String, JsonObject>> map(Vertx vertx) {
    return vertx.sharedData().getAsyncMap(MAP);
  }

  private static String key(Entry entry) {
    return entry.nodeId() + "/" + entry.name() + "/" + entry.port();
  }

  public static Future<Void> announce(Vertx vertx, Entry entry) {
    return map(vertx).compose(map -> map.put(key(entry), entry.toJson()))
      .onSuccess(v -> vertx.eventBus().publish(CHANGED_ADDRESS, entry.toJson()));
  }

  public static Future<Void> withdraw(Vertx vertx, Entry entry) {
    return map(vertx).compose(map -> map.remove(key(entry)))
      .<Void>mapEmpty()
      .onSuccess(v -> vertx.eventBus().publish(CHANGED_ADDRESS, entry.toJson()));
  }

  /** Whether {@code entry} is in the directory (a backend checks that its announcement survived a merge). */
  public static Future<Boolean> contains(Vertx vertx, Entry entry) {
    return map(vertx).compose(map -> map.get(key(entry))).map(json -> json != null);
  }

  /**
   * The backends of live nodes; entries left by dead nodes are removed on the way, unless the node is back
   * (or was announced again) by the time they are removed. A node that sees no other (alone after a split, or
   * forgetting the others while it merges) cannot tell the dead from the cut off, and removes nothing.
   */
  public static Future<List<Entry>> list(Vertx vertx, Set<String> liveNodeIds) {
    return map(vertx).compose(map -> map.entries().map(entries -> {
      List<Entry> live = new ArrayList<>();
      ClusterNode node = ClusterNode.of(vertx);
      Set<String> liveNow = node != null ? node.liveNodeIds() : liveNodeIds;
      for (Map.Entry<String, JsonObject> entry : entries.entrySet()) {
        Entry backend = Entry.fromJson(entry.getValue());
        if (liveNodeIds.contains(backend.nodeId())) {
          live.add(backend);
        } else if (liveNow.size() > 1 && !liveNow.contains(backend.nodeId())) {
          map.removeIfPresent(entry.getKey(), entry.getValue());
        }
      }
      live.sort((a, b) -> (a.host() + a.port()).compareTo(b.host() + b.port()));
      return live;
    }));
  }
}
