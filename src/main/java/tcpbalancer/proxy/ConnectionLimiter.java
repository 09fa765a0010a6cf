package tcpbalancer.proxy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicInteger;
import tcpbalancer.flow.PermitQueue;

/**
 * The proxy's inbound connection limit ({@code maxConns}), shared by all its instances. Past the limit a new
 * connection waits in a bounded queue for a slot; it is refused when the queue is full or when it has waited
 * {@code queueTimeoutMillis}.
 */
final class ConnectionLimiter {

  private final PermitQueue<PermitQueue.Permit> slots;
  private final int maxConns;
  private final int queueTimeoutMillis;
  private final AtomicInteger active = new AtomicInteger();

  ConnectionLimiter(Vertx vertx, int maxConns, int queueSize, int queueTimeoutMillis) {
    this.slots = PermitQueue.counting(vertx, maxConns, queueSize);
    this.maxConns = maxConns;
    this.queueTimeoutMillis = queueTimeoutMillis;
  }

  /** Completes, on the caller's context, when the connection may proceed; fails when it is refused. */
  Future<Void> acquire() {
    return slots.acquire(queueTimeoutMillis).transform(slot -> {
      if (slot.succeeded()) {
        active.incrementAndGet();
        return Future.succeededFuture();
      }
      if (slot.cause() instanceof PermitQueue.Refused refused) {
        return Future.failedFuture(new LimitException(refused.timedOut()
          ? "waited " + queueTimeoutMillis + " ms for one of the proxy's " + maxConns
            + " connection slots (queueTimeoutMillis)"
          : "the proxy has " + maxConns + " connections (maxConns) and " + refused.waiting()
            + " waiting (queueSize)"));
      }
      return Future.failedFuture(slot.cause());
    });
  }

  /** Frees a slot: the longest-waiting connection takes it, else it is returned. */
  void release() {
    active.decrementAndGet();
    slots.release(PermitQueue.Permit.INSTANCE);
  }

  /** Connections holding a slot. */
  int active() {
    return active.get();
  }

  /** Connections waiting for a slot. */
  int waiting() {
    return slots.waiting();
  }

  /** A connection refused by the limit. */
  static final class LimitException extends RuntimeException {
    LimitException(String message) {
      super(message, null, false, false);
    }
  }
}
