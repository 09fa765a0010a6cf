package tcpbalancer.backend;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The number of requests a backend has in progress, shared by all instances of the backend in one Vert.x
 * (they run on different event loops, hence the atomic counter).
 */
final class InFlightLimit implements Shareable {

  private final int max;
  private final AtomicInteger inFlight = new AtomicInteger();

  private InFlightLimit(int max) {
    this.max = max;
  }

  /** The limit of the backend called {@code name}; instances deployed together get the same one. */
  static InFlightLimit shared(Vertx vertx, String name, int max) {
    LocalMap<String, InFlightLimit> limits = vertx.sharedData().getLocalMap("tcpbalancer.backend.in-flight");
    return limits.computeIfAbsent(name, key -> new InFlightLimit(max));
  }

  boolean tryAcquire() {
    while (true) {
      int current = inFlight.get();
      if (current >= max) {
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

  int inFlight() {
    return inFlight.get();
  }

  int max() {
    return max;
  }
}
