package tcpbalancer.proxy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
  private final AtomicLong refused = new AtomicLong();
  // Copy-on-write: with nobody listening, a connection pays one volatile read.
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  ConnectionLimiter(Vertx vertx, int maxConns, int queueSize, int queueTimeoutMillis) {
    this.slots = PermitQueue.counting(vertx, maxConns, queueSize);
    this.maxConns = maxConns;
    this.queueTimeoutMillis = queueTimeoutMillis;
  }

  /** Completes, on the caller's context, when the connection may proceed; fails when it is refused. */
  Future<Void> acquire() {
    Future<PermitQueue.Permit> slot = slots.acquire(queueTimeoutMillis);
    boolean queued = !slot.isComplete();
    if (queued) {
      changed();
    }
    return slot.transform(taken -> {
      if (taken.succeeded()) {
        active.incrementAndGet();
        changed();
        return Future.succeededFuture();
      }
      if (queued) {
        changed(); // it left the queue without a slot
      }
      if (taken.cause() instanceof PermitQueue.Refused refused) {
        this.refused.incrementAndGet();
        return Future.failedFuture(new LimitException(refused.timedOut()
          ? "waited " + queueTimeoutMillis + " ms for one of the proxy's " + maxConns
            + " connection slots (queueTimeoutMillis)"
          : "the proxy has " + maxConns + " connections (maxConns) and " + refused.waiting()
            + " waiting (queueSize)"));
      }
      return Future.failedFuture(taken.cause());
    });
  }

  /** Frees a slot: the longest-waiting connection takes it, else it is returned. */
  void release() {
    active.decrementAndGet();
    slots.release(PermitQueue.Permit.INSTANCE);
    changed();
  }

  /** Connections holding a slot. */
  int active() {
    return active.get();
  }

  /** Connections refused so far: the queue was full, or they waited too long. */
  long refused() {
    return refused.get();
  }

  /** Connections waiting for a slot. */
  int waiting() {
    return slots.waiting();
  }

  /**
   * Calls {@code listener} each time {@link #active} or {@link #waiting} changes, on the thread that changed it.
   */
  void onChange(Runnable listener) {
    listeners.add(listener);
  }

  void removeOnChange(Runnable listener) {
    listeners.remove(listener);
  }

  private void changed() {
    if (!listeners.isEmpty()) {
      listeners.forEach(Runnable::run);
    }
  }

  /** A connection refused by the limit. */
  static final class LimitException extends RuntimeException {
    LimitException(String message) {
      super(message, null, false, false);
    }
  }
}
