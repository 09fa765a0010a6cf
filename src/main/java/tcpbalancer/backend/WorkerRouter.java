package tcpbalancer.backend;

import io.vertx.core.Future;
import java.util.List;
import java.util.Set;

/**
 * Picks the resize worker of each attempt at a request, according to the {@link WorkerPolicy}: a local worker
 * taken for the attempt, or the workers of another node of the cluster.
 */
final class WorkerRouter {

  private final WorkerPolicy policy;
  private final LocalWorkers localWorkers;
  /** Null without a cluster: then every worker is a local one. */
  private final RemoteWorkers remoteWorkers;
  /** Spread: which attempts go to this node's own workers (one in every live worker node's turn). */
  private long spreadTurn;

  WorkerRouter(WorkerPolicy policy, LocalWorkers localWorkers, RemoteWorkers remoteWorkers) {
    this.policy = policy;
    this.localWorkers = localWorkers;
    this.remoteWorkers = policy == WorkerPolicy.LOCAL ? null : remoteWorkers;
  }

  /**
   * Where to send the next attempt, once a worker can take it, avoiding the nodes in {@code excludedNodes}
   * (those that failed the request already); null when no worker runs anywhere else. If a local worker was
   * taken, {@link #answered} must give it back. The future completes on the caller's context.
   */
  Future<Route> route(long timeoutMillis, Set<String> excludedNodes) {
    if (remoteWorkers == null) {
      return local(timeoutMillis);
    }
    if (policy == WorkerPolicy.SPREAD) {
      return remoteWorkers.candidates(excludedNodes).compose(nodes -> {
        boolean here = localWorkers.anyRunning();
        if (nodes.isEmpty() || (here && spreadTurn++ % (nodes.size() + 1) == 0)) {
          return here ? local(timeoutMillis) : Future.succeededFuture(null);
        }
        return Future.succeededFuture(Route.remote(nodes.get(0)));
      });
    }
    String idle = localWorkers.tryTake();
    if (idle != null) {
      return Future.succeededFuture(Route.local(idle));
    }
    // Every local worker is busy: another node may have an idle one; if none has, wait for a local one.
    return remoteWorkers.candidates(excludedNodes).compose(nodes -> nodes.isEmpty()
      ? localWorkers.anyRunning() ? local(timeoutMillis) : Future.succeededFuture(null)
      : Future.succeededFuture(Route.remote(nodes.get(0))));
  }

  private Future<Route> local(long timeoutMillis) {
    return localWorkers.take(timeoutMillis).map(Route::local);
  }

  void answered(Route route) {
    if (!route.remote()) {
      localWorkers.release(route.address());
    }
  }

  /** A local worker's own address, taken for this attempt, or the node id of another node's workers. */
  record Route(String address, String nodeId) {

    static Route local(String address) {
      return new Route(address, null);
    }

    static Route remote(String nodeId) {
      return new Route(ResizeWorkerVerticle.nodeAddress(nodeId), nodeId);
    }

    boolean remote() {
      return nodeId != null;
    }
  }
}
