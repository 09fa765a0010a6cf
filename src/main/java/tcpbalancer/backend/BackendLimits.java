package tcpbalancer.backend;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import tcpbalancer.flow.PermitQueue;

/**
 * What one backend deployment holds, against its limits: the requests in progress ({@code maxInFlight}) and the
 * request bytes buffered ({@code maxBufferedBytes}); and its {@link BackendMetrics}, which read them. The
 * instances of a deployment run on different event loops and share these, found by the deployment's id: the
 * deployment owns them, from the first instance's start to its stop.
 */
final class BackendLimits implements Shareable {

  private static final String MAP = "tcpbalancer.backend.limits";
  /** Connections waiting for a request slot; each waits for one at most, with its reading paused. */
  private static final int MAX_WAITING_CONNECTIONS = 100_000;

  private final int maxInFlight;
  /** The request slots; metrics read how many are taken. */
  private final PermitQueue.Counter slots;
  private final PermitQueue<PermitQueue.Permit> inFlight;
  private final ByteBudget bodies;
  private final BackendMetrics metrics;

  private BackendLimits(Vertx vertx, BackendOptions options) {
    this.maxInFlight = options.maxInFlight();
    this.slots = new PermitQueue.Counter(maxInFlight);
    this.inFlight = new PermitQueue<>(vertx, slots, MAX_WAITING_CONNECTIONS);
    this.bodies = new ByteBudget(vertx, bufferBudget(options.maxBufferedBytes(), Runtime.getRuntime().maxMemory()));
    this.metrics = BackendMetrics.of(vertx, options, this);
  }

  /**
   * The configured budget, but never more than a quarter of the heap: request bodies are not all the backend
   * holds (a resize worker copies the image it decodes, and the workers decode images beside them). The start
   * script's heap is the least whose quarter holds the largest frame.
   */
  static long bufferBudget(long configured, long maxHeap) {
    return Math.min(configured, maxHeap / 4);
  }

  /** The limits of the deployment {@code deploymentId}: each of its instances gets the same ones. */
  static BackendLimits of(Vertx vertx, String deploymentId, BackendOptions options) {
    return limits(vertx).computeIfAbsent(deploymentId, id -> new BackendLimits(vertx, options));
  }

  /** The limits of a running deployment, or null. */
  static BackendLimits find(Vertx vertx, String deploymentId) {
    return limits(vertx).get(deploymentId);
  }

  /**
   * The deployment is stopping: its instances keep the limits they hold, and no new instance will look them up;
   * its meters leave the registry.
   */
  static void forget(Vertx vertx, String deploymentId) {
    BackendLimits forgotten = limits(vertx).remove(deploymentId);
    if (forgotten != null) {
      forgotten.metrics.remove();
    }
  }

  private static LocalMap<String, BackendLimits> limits(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP);
  }

  PermitQueue<PermitQueue.Permit> inFlight() {
    return inFlight;
  }

  int maxInFlight() {
    return maxInFlight;
  }

  ByteBudget bodies() {
    return bodies;
  }

  BackendMetrics metrics() {
    return metrics;
  }

  /** Requests holding a slot now. */
  int inProgress() {
    return inFlight.locked(slots::taken);
  }
}
