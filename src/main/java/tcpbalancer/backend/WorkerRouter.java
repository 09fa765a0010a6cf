package tcpbalancer.backend;

/** Picks the event bus address of a resize request according to the {@link WorkerPolicy}. */
final class WorkerRouter {

  private final WorkerPolicy policy;
  private final LocalWorkers localWorkers;

  WorkerRouter(WorkerPolicy policy, LocalWorkers localWorkers) {
    this.policy = policy;
    this.localWorkers = localWorkers;
  }

  /** Where to send the next request; if it is a local worker's turn, {@link #answered} must give it back. */
  Route route() {
    return switch (policy) {
      case LOCAL -> new Route(ResizeWorkerVerticle.LOCAL_ADDRESS, false);
      case SPREAD -> new Route(ResizeWorkerVerticle.ADDRESS, false);
      case PREFER_LOCAL -> localWorkers.tryTake()
        ? new Route(ResizeWorkerVerticle.LOCAL_ADDRESS, true)
        : new Route(ResizeWorkerVerticle.ADDRESS, false);
    };
  }

  void answered(Route route) {
    if (route.tookLocalTurn()) {
      localWorkers.release();
    }
  }

  record Route(String address, boolean tookLocalTurn) {
  }
}
