package tcpbalancer.proxy;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.cluster.BackendDirectory;
import tcpbalancer.cluster.ClusterNode;

/**
 * A clustered proxy's upstream list, kept equal to the backends of the {@link BackendDirectory} on live nodes.
 * It looks again when a backend announces or withdraws itself, when a node joins or leaves the cluster, and
 * every few seconds in case a message was missed. A node that leaves (dies, or is cut off) takes its backends
 * with it at once: they are removed and the connections to them closed, since nobody will answer on them
 * ({@link EndReason#UPSTREAM_LEFT}). A backend that withdraws itself (its node stops gracefully) is only removed:
 * its own drain lets its connections finish. The proxy's health checks stay a fast path too: a refused connect
 * takes a backend out before the cluster notices its node is gone.
 *
 * <p>Each look replaces the list in one step, the departed nodes' backends out and the new ones in together, so
 * the proxy never balances over a half-built list. While this node merges back into the cluster after a split, its
 * cluster manager knows no other node until it has joined again (a second or so): the list is kept as it is then,
 * not emptied, and looked at again once the merge is over.
 */
final class ClusterDiscovery implements UpstreamSource {

  private static final Logger log = LoggerFactory.getLogger(ClusterDiscovery.class);
  private static final long REFRESH_MILLIS = 5_000;

  private final Vertx vertx;
  private final ClusterNode node;
  private final Consumer<UpstreamState> onLeft;
  /** The addresses of each node's backends, as last listed; on this source's context. */
  private final Map<String, List<String>> addressesByNode = new HashMap<>();
  private UpstreamGroup group;
  private Context context;
  private MessageConsumer<Object> announcements;
  private UUID membershipListener;
  private UUID nodeLeftListener;
  private UUID mergeListener;
  /** Set on Hazelcast's thread before it forgets the other members for a merge, so that a look in flight sees it. */
  private volatile boolean merging;
  /** How many merges have started (written by Hazelcast's one merge thread): a look compares it before and after. */
  private volatile int mergesStarted;
  private long timer = -1;
  private boolean refreshing;
  private boolean refreshAgain;

  /** {@code onLeft} hears of each upstream removed because its node left, on this source's context. */
  ClusterDiscovery(Vertx vertx, ClusterNode node, Consumer<UpstreamState> onLeft) {
    this.vertx = vertx;
    this.node = node;
    this.onLeft = onLeft;
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
    nodeLeftListener = node.onNodeLeft(nodeId -> context.runOnContext(v -> nodeLeft(nodeId)));
    mergeListener = node.onMerge(() -> {
      mergesStarted++;
      merging = true;
    }, () -> {
      merging = false;
      context.runOnContext(v -> refresh());
    });
    timer = vertx.setPeriodic(0, REFRESH_MILLIS, id -> refresh());
    return announcements.completion();
  }

  @Override
  public void stop() {
    vertx.cancelTimer(timer);
    if (announcements != null) {
      announcements.unregister();
      node.removeListener(membershipListener);
      node.removeListener(nodeLeftListener);
      node.removeMergeListener(mergeListener);
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

  /**
   * Removes the backends of a node that left, and has the proxy close the connections to them: called when the
   * cluster says so, and by a look at the directory that finds the node gone (whichever comes first).
   */
  private void nodeLeft(String nodeId) {
    if (merging) {
      return; // this node's own member list is being rebuilt: the look after the merge decides
    }
    List<UpstreamState> gone = departed(Set.of(nodeId));
    group.update(group.upstreams().stream().filter(state -> !gone.contains(state)).map(UpstreamState::upstream)
      .toList());
    gone.forEach(onLeft);
  }

  /** Forgets the nodes {@code left} and returns the upstreams of theirs that the list still holds. */
  private List<UpstreamState> departed(Set<String> left) {
    List<String> addresses = new ArrayList<>();
    for (String nodeId : left) {
      List<String> ofNode = addressesByNode.remove(nodeId);
      if (ofNode != null) {
        log.warn("Proxy {}: cluster node {} left; removing its backends {} and closing the connections to them",
          group.name(), nodeId, ofNode);
        addresses.addAll(ofNode);
      }
    }
    return group.upstreams().stream().filter(state -> addresses.contains(state.upstream().address())).toList();
  }

  /**
   * Replaces the list with the backends of {@code listed} whose nodes are live now, in one step (a node may have
   * left while the directory was read: its backends are not brought back), then has the proxy close the
   * connections to the backends of nodes that left.
   */
  private void apply(List<BackendDirectory.Entry> listed) {
    Set<String> liveNow = node.liveNodeIds();
    Set<String> left = new HashSet<>(addressesByNode.keySet());
    left.removeAll(liveNow);
    List<UpstreamState> gone = departed(left);
    List<BackendDirectory.Entry> live = listed.stream().filter(backend -> liveNow.contains(backend.nodeId())).toList();
    addressesByNode.clear();
    live.forEach(backend -> addressesByNode.computeIfAbsent(backend.nodeId(), id -> new ArrayList<>())
      .add(upstream(backend).address()));
    group.update(live.stream().map(ClusterDiscovery::upstream).distinct().toList());
    gone.forEach(onLeft);
  }

  /** A backend that accepts only connections with a PROXY protocol header gets one (v2: it reads both). */
  private static Upstream upstream(BackendDirectory.Entry backend) {
    return new Upstream(backend.host(), backend.port(), Upstream.DEFAULT_WEIGHT, 0,
      backend.acceptProxy() ? SendProxy.V2 : SendProxy.OFF);
  }

  /**
   * One look at a time; a change seen meanwhile causes one more look after it. None while this node merges, and
   * a look that a merge overlapped is dropped: the member list it used may have held only this node. The end of
   * the merge brings a look of its own.
   */
  private void refresh() {
    if (refreshing) {
      refreshAgain = true;
      return;
    }
    int mergesBefore = mergesStarted;
    if (merging) {
      return;
    }
    refreshing = true;
    BackendDirectory.list(vertx, node.liveNodeIds()).onComplete(listed -> {
      refreshing = false;
      if (merging || mergesStarted != mergesBefore) {
        log.debug("Proxy {}: a look at the cluster's backends overlapped a merge; the list is kept", group.name());
      } else if (listed.succeeded()) {
        apply(listed.result());
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
