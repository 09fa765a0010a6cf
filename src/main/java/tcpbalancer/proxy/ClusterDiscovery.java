package tcpbalancer.proxy;

import io.vertx.core.Context;
import io.vertx.core.Future;
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
final class ClusterDiscovery implements UpstreamSource {

  private static final Logger log = LoggerFactory.getLogger(ClusterDiscovery.class);
  private static final long REFRESH_MILLIS = 5_000;

  private final Vertx vertx;
  private final ClusterNode node;
  private UpstreamGroup group;
  private Context context;
  private MessageConsumer<Object> announcements;
  private UUID membershipListener;
  private long timer = -1;
  private boolean refreshing;
  private boolean refreshAgain;

  ClusterDiscovery(Vertx vertx, ClusterNode node) {
    this.vertx = vertx;
    this.node = node;
  }

  @Override
  public List<Upstream> initial() {
    return List.of(); // until the first look at the directory
  }

  @Override
  public Future<Void> start(UpstreamGroup group) {
    this.group = group;
    this.context = vertx.getOrCreateContext();
    announcements = vertx.eventBus().consumer(BackendDirectory.CHANGED_ADDRESS, message -> refresh());
    membershipListener = node.onMembershipChange(() -> context.runOnContext(v -> refresh()));
    timer = vertx.setPeriodic(0, REFRESH_MILLIS, id -> refresh());
    return announcements.completion();
  }

  @Override
  public void stop() {
    vertx.cancelTimer(timer);
    if (announcements != null) {
      announcements.unregister();
      node.removeListener(membershipListener);
    }
  }

  @Override
  public boolean reload(UpstreamGroup group, List<Upstream> changed) {
    log.warn("Proxy {}: its upstreams come from the cluster; the changed config is not applied", group.name());
    return false;
  }

  @Override
  public String describe(UpstreamGroup group) {
    return "the backends the cluster announces";
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
