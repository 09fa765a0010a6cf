package tcpbalancer.backend;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import tcpbalancer.cluster.ClusterNode;

/**
 * The resize workers of the other nodes of the cluster, reached on each node's own address
 * ({@link ResizeWorkerVerticle#nodeAddress}), so that a request in progress is known to wait for that node.
 * When the cluster drops a node, its requests in progress fail at once with {@code NO_HANDLERS} instead of
 * waiting for their timeout: the event bus never fails a request already written to a node that died or froze.
 *
 * <p>One per Vert.x, found in its shared data by every backend, so it is used from several event loops and the
 * cluster manager's threads; each request completes on the context that sent it.
 */
final class RemoteWorkers implements Shareable {

  private static final String MAP = "tcpbalancer.backend.remote-workers";
  /** How long the list of worker nodes is reused; any change of membership drops it sooner. */
  private static final long NODES_TTL_MILLIS = 1_000;

  private record Pending(Context context, Promise<?> promise) {
  }

  private record WorkerNodes(Set<String> ids, long fetchedNanos) {
  }

  private final Vertx vertx;
  private final ClusterNode node;
  private final Map<String, Set<Pending>> pendingByNode = new ConcurrentHashMap<>();
  private final AtomicInteger turn = new AtomicInteger();
  private volatile WorkerNodes workerNodes;

  private RemoteWorkers(Vertx vertx, ClusterNode node) {
    this.vertx = vertx;
    this.node = node;
    node.onMembershipChange(() -> workerNodes = null);
    node.onNodeLeft(this::nodeLeft);
  }

  /** The remote workers of {@code vertx}, or null when it is not clustered. */
  static RemoteWorkers of(Vertx vertx) {
    ClusterNode node = ClusterNode.of(vertx);
    if (node == null) {
      return null;
    }
    LocalMap<String, RemoteWorkers> map = vertx.sharedData().getLocalMap(MAP);
    return map.computeIfAbsent("remote", key -> new RemoteWorkers(vertx, node));
  }

  /**
   * The live nodes other than this one that run resize workers, less {@code excluded}, starting at a different
   * one each call (so that work goes round them); on the caller's context.
   */
  Future<List<String>> candidates(Set<String> excluded) {
    return workerNodeIds().map(ids -> {
      Set<String> live = node.liveNodeIds();
      List<String> candidates = new ArrayList<>();
      for (String id : ids) {
        if (!id.equals(node.nodeId()) && live.contains(id) && !excluded.contains(id)) {
          candidates.add(id);
        }
      }
      candidates.sort(null);
      if (candidates.size() > 1) {
        Collections.rotate(candidates, -Math.floorMod(turn.getAndIncrement(), candidates.size()));
      }
      return candidates;
    });
  }

  private Future<Set<String>> workerNodeIds() {
    WorkerNodes cached = workerNodes;
    if (cached != null && System.nanoTime() - cached.fetchedNanos() < NODES_TTL_MILLIS * 1_000_000) {
      return Future.succeededFuture(cached.ids());
    }
    // Each caller fetches on its own context: a shared pending future would complete on another event loop.
    return node.nodesConsuming(ResizeWorkerVerticle.ADDRESS)
      .onSuccess(ids -> workerNodes = new WorkerNodes(ids, System.nanoTime()))
      .otherwise(Set.of()); // the cluster manager is leaving or cut off: only local workers remain
  }

  /** Sends {@code body} to the workers of {@code nodeId}; fails at once if the cluster drops that node meanwhile. */
  <T> Future<Message<T>> request(String nodeId, Object body, DeliveryOptions options) {
    Promise<Message<T>> promise = Promise.promise();
    Pending pending = new Pending(vertx.getOrCreateContext(), promise);
    Set<Pending> pendings = pendingByNode.computeIfAbsent(nodeId, id -> ConcurrentHashMap.newKeySet());
    pendings.add(pending);
    // Checked after the request is recorded, so a node that leaves from now on fails it through nodeLeft.
    if (!node.liveNodeIds().contains(nodeId)) {
      pendings.remove(pending);
      return Future.failedFuture(nodeGone(nodeId));
    }
    vertx.eventBus().<T>request(ResizeWorkerVerticle.nodeAddress(nodeId), body, options).onComplete(reply -> {
      pendings.remove(pending);
      if (reply.failed() && reply.cause() instanceof ReplyException e && e.failureType() == ReplyFailure.NO_HANDLERS) {
        workerNodes = null; // that node's workers are gone: look again
      }
      if (reply.succeeded()) {
        promise.tryComplete(reply.result());
      } else {
        promise.tryFail(reply.cause());
      }
    });
    return promise.future();
  }

  private void nodeLeft(String nodeId) {
    workerNodes = null;
    Set<Pending> pendings = pendingByNode.remove(nodeId);
    if (pendings != null) {
      for (Pending pending : pendings) {
        pending.context().runOnContext(v -> pending.promise().tryFail(nodeGone(nodeId)));
      }
    }
  }

  private static ReplyException nodeGone(String nodeId) {
    return new ReplyException(ReplyFailure.NO_HANDLERS, "worker node " + nodeId + " left the cluster");
  }
}
