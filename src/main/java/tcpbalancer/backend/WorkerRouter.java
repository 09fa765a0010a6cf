package tcpbalancer.backend;

import io.vertx.core.Future;

/** Picks the event bus address of a resize request according to the {@link WorkerPolicy}. */
final class WorkerRouter {

  private final WorkerPolicy policy;
  private final LocalWorkers localWorkers;
  /** Whether other nodes' workers can take work: without a cluster, every worker is a local one. */
  private final boolean clustered;

  WorkerRouter(WorkerPolicy policy, LocalWorkers localWorkers, boolean clustered) {
    this.policy = policy;
    this.localWorkers = localWorkers;
    this.clustered = clustered;
  }

  /**
   * Where to send the next request, once a worker can take it; if a local worker was taken,
   * {@link #answered} must give it back. The future completes on the caller's context.
   */
  Future<Route> route(long timeoutMillis) {
    if (policy == WorkerPolicy.SPREAD) {
      return Future.succeededFuture(Route.anyWorker());
    }
    String idle = localWorkers.tryTake();
    if (idle != null) {
      return Future.succeededFuture(new Route(idle, true));
    }
    if (policy == WorkerPolicy.PREFER_LOCAL && clustered) {
      return Future.succeededFuture(Route.anyWorker()); // the cluster may have an idle worker elsewhere
    }
    return localWorkers.take(timeoutMillis).map(address -> new Route(address, true));
  }

  void answered(Route route) {
    if (route.localWorker()) {
      localWorkers.release(route.address());
    }
  }

  /** An event bus address, and whether it is a local worker's own, taken for this request. */
  record Route(String address, boolean localWorker) {

    static Route anyWorker() {
      return new Route(ResizeWorkerVerticle.ADDRESS, false);
    }
  }
}
