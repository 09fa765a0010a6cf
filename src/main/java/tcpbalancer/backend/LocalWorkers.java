package tcpbalancer.backend;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The resize workers of this Vert.x and how many requests they have in progress, so that a backend can prefer
 * them and send work across the cluster only when they are all busy. Shared by every verticle of the JVM.
 */
final class LocalWorkers implements Shareable {

  private final AtomicInteger workers = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();

  static LocalWorkers of(Vertx vertx) {
    LocalMap<String, LocalWorkers> map = vertx.sharedData().getLocalMap("tcpbalancer.workers");
    return map.computeIfAbsent("local", key -> new LocalWorkers());
  }

  void workerStarted() {
    workers.incrementAndGet();
  }

  void workerStopped() {
    workers.decrementAndGet();
  }

  /** Takes a local worker's turn if one is idle; the caller must {@link #release()} it when answered. */
  boolean tryTake() {
    while (true) {
      int current = inFlight.get();
      if (current >= workers.get()) {
        return false;
      }
      if (inFlight.compareAndSet(current, current + 1)) {
        return true;
      }
    }
  }

  void release() {
    inFlight.decrementAndGet();
  }
}
