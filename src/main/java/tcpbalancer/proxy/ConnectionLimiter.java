package tcpbalancer.proxy;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The proxy's inbound connection limit ({@code maxConns}), shared by all its instances. Past the limit a new
 * connection waits in a bounded queue for a slot; it is refused when the queue is full or when it has waited
 * {@code queueTimeoutMillis}.
 */
final class ConnectionLimiter implements Shareable {

  private final Vertx vertx;
  private final int maxConns;
  private final int queueSize;
  private final int queueTimeoutMillis;
  private final Deque<Waiter> queue = new ArrayDeque<>();
  private int active;

  /** The limiter of the proxy called {@code name}, shared by its instances. */
  static ConnectionLimiter shared(Vertx vertx, ProxyOptions options) {
    LocalMap<String, ConnectionLimiter> limiters = vertx.sharedData().getLocalMap("tcpbalancer.proxy.limiters");
    return limiters.computeIfAbsent(options.name(), name -> new ConnectionLimiter(vertx, options.maxConns(),
      options.queueSize(), options.queueTimeoutMillis()));
  }

  static void remove(Vertx vertx, String name) {
    vertx.sharedData().getLocalMap("tcpbalancer.proxy.limiters").remove(name);
  }

  ConnectionLimiter(Vertx vertx, int maxConns, int queueSize, int queueTimeoutMillis) {
    this.vertx = vertx;
    this.maxConns = maxConns;
    this.queueSize = queueSize;
    this.queueTimeoutMillis = queueTimeoutMillis;
  }

  /** Completes, on the caller's context, when the connection may proceed; fails when it is refused. */
  Future<Void> acquire() {
    Context context = vertx.getOrCreateContext();
    Waiter waiter;
    synchronized (this) {
      if (active < maxConns) {
        active++;
        return Future.succeededFuture();
      }
      if (queue.size() >= queueSize) {
        return Future.failedFuture(new LimitException("the proxy has " + maxConns
          + " connections (maxConns) and " + queue.size() + " waiting (queueSize)"));
      }
      waiter = new Waiter(context, Promise.promise());
      // The timer exists before the waiter is visible to release(), which cancels it.
      Waiter queued = waiter;
      waiter.timer = vertx.setTimer(queueTimeoutMillis, id -> {
        boolean timedOut;
        synchronized (this) {
          timedOut = queue.remove(queued);
        }
        if (timedOut) {
          queued.promise.fail(new LimitException("waited " + queueTimeoutMillis + " ms for one of the proxy's "
            + maxConns + " connection slots (queueTimeoutMillis)"));
        }
      });
      queue.addLast(waiter);
    }
    return waiter.promise.future();
  }

  /** Frees a slot: the longest-waiting connection takes it, else it is returned. */
  void release() {
    Waiter next;
    synchronized (this) {
      next = queue.pollFirst();
      if (next == null) {
        active--;
        return;
      }
    }
    vertx.cancelTimer(next.timer);
    next.context.runOnContext(v -> next.promise.complete());
  }

  synchronized int active() {
    return active;
  }

  synchronized int waiting() {
    return queue.size();
  }

  private static final class Waiter {
    final Context context;
    final Promise<Void> promise;
    volatile long timer;

    Waiter(Context context, Promise<Void> promise) {
      this.context = context;
      this.promise = promise;
    }
  }

  /** A connection refused by the limit. */
  static final class LimitException extends RuntimeException {
    LimitException(String message) {
      super(message, null, false, false);
    }
  }
}
