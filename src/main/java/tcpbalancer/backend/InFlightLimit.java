package tcpbalancer.backend;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import tcpbalancer.flow.BoundedCounter;

/**
 * The requests one backend deployment has in progress, against its {@code maxInFlight}. The instances of a
 * deployment run on different event loops and share one limit, found by the deployment's id: the deployment owns
 * it, from the first instance's start to its stop.
 */
final class InFlightLimit implements Shareable {

  private static final String MAP = "tcpbalancer.backend.in-flight";

  private final int max;
  private final BoundedCounter inProgress = new BoundedCounter();

  private InFlightLimit(int max) {
    this.max = max;
  }

  /** The limit of the deployment {@code deploymentId}: each of its instances gets the same one. */
  static InFlightLimit of(Vertx vertx, String deploymentId, int max) {
    return limits(vertx).computeIfAbsent(deploymentId, id -> new InFlightLimit(max));
  }

  /** The deployment is stopping: its instances keep the limit they hold, and no new instance will look it up. */
  static void forget(Vertx vertx, String deploymentId) {
    limits(vertx).remove(deploymentId);
  }

  private static LocalMap<String, InFlightLimit> limits(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP);
  }

  boolean tryAcquire() {
    return inProgress.tryIncrement(max);
  }

  void release() {
    inProgress.decrement();
  }

  int max() {
    return max;
  }
}
