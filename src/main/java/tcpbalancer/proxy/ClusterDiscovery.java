package tcpbalancer.proxy;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.cluster.BackendDirectory;
import tcpbalancer.cluster.ClusterNode;

/**
 * A clustered proxy's upstream list, kept equal to the backends of the {@link BackendDirectory} on live nodes.
 * It looks again when a backend announces or withdraws itself, when a node joins or leaves the cluster, and
 * every few seconds in case a message was missed. The proxy's health checks stay the fast path: a refused
 * connect takes a backend out before the cluster notices its node is gone.
 */
final class ClusterDiscovery {

  private static final Logger log = LoggerFactory.getLogger(ClusterDiscovery.class);
  private static final long REFRESH_MILLIS = 5_000;

  private final Vertx vertx;
  private final ClusterNode node;
  private final UpstreamGroup group;
  private final Context context;
  private MessageConsumer<Object> announcements;
  private UUID membershipListener;
  private long timer;
  private boolean refreshing;
  private boolean refreshAgain;

  ClusterDiscovery(Vertx vertx, ClusterNode node, UpstreamGroup group) {
    this.vertx = vertx;
    this.node = node;
    this.group = group;
    this.context = vertx.getOrCreateContext();
  }

  void start() {
    announcements = vertx.eventBus().consumer(BackendDirectory.CHANGED_ADDRESS, message -> refresh());
    membershipListener = node.onMembershipChange(() -> context.runOnContext(v -> refresh()));
    timer = vertx.setPeriodic(0, REFRESH_MILLIS, id -> refresh());
  }

  void stop() {
    vertx.cancelTimer(timer);
    announcements.unregister();
    node.removeListener(membershipListener);
  }

  /** One look at a time; a change seen meanwhile causes one more look after it. */
  private void refresh() {
    if (refreshing) {
      refreshAgain = true;
      return;
    }
    refreshing = true;
    BackendDirectory.list(vertx, node.liveNodeIds()).onComplete(listed -> {
      refreshing = false;
      if (listed.succeeded()) {
        List<Upstream> upstreams = listed.result().stream()
          .map(backend -> new Upstream(backend.host(), backend.port(), Upstream.DEFAULT_WEIGHT, 0))
          .distinct()
          .toList();
        group.update(upstreams);
      } else {
        log.warn("Cannot read the cluster's backends: {}", listed.cause().getMessage());
      }
      if (refreshAgain) {
        refreshAgain = false;
        refresh();
      }
    });
  }
}
