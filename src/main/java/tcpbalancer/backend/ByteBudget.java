package tcpbalancer.backend;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The request bytes a backend holds: bodies being received and requests in progress, against one budget shared
 * by the connections of every instance. Bytes are reserved from a frame's header, before any of its body is
 * buffered; a reservation that does not fit waits, in FIFO order, and is granted on the waiter's own context
 * once enough bytes are given back. A waiter that gives up (its connection closed) withdraws, so it neither takes
 * bytes later nor holds up the waiters behind it. Thread-safe.
 */
final class ByteBudget {

  private final Vertx vertx;
  private final long max;
  private final Deque<Waiter> waiters = new ArrayDeque<>();
  private long held;
  private long peak;

  ByteBudget(Vertx vertx, long max) {
    this.vertx = vertx;
    this.max = max;
  }

  /** Completes once {@code bytes} (at most {@link #max()}) are reserved: at once when they fit and nobody waits. */
  Future<Void> reserve(long bytes) {
    if (bytes > max) {
      throw new IllegalArgumentException(bytes + " bytes can never fit a budget of " + max);
    }
    synchronized (this) {
      if (waiters.isEmpty() && held + bytes <= max) {
        take(bytes);
        return Future.succeededFuture();
      }
      Waiter waiter = new Waiter(vertx.getOrCreateContext(), Promise.promise(), bytes);
      waiters.addLast(waiter);
      return waiter.promise.future();
    }
  }

  /** Gives {@code bytes} back, granting the reservations that now fit, oldest first. */
  void release(long bytes) {
    Deque<Waiter> granted;
    synchronized (this) {
      held -= bytes;
      granted = grantThoseThatFit();
    }
    completeAll(granted);
  }

  /**
   * Withdraws a {@link #reserve} that is still waiting: it never takes bytes (its future never completes), and
   * the reservations behind it that now fit are granted. Returns false if it was granted already, even if its
   * future has not completed yet: its bytes are then the caller's, to give back with {@link #release}.
   */
  boolean withdraw(Future<Void> reservation) {
    Deque<Waiter> granted;
    synchronized (this) {
      if (!waiters.removeIf(waiter -> waiter.promise.future() == reservation)) {
        return false;
      }
      granted = grantThoseThatFit();
    }
    completeAll(granted);
    return true;
  }

  /** Takes the bytes of the oldest waiters while they fit; called holding the lock. */
  private Deque<Waiter> grantThoseThatFit() {
    Deque<Waiter> granted = new ArrayDeque<>();
    while (!waiters.isEmpty() && held + waiters.peekFirst().bytes <= max) {
      Waiter next = waiters.pollFirst();
      take(next.bytes);
      granted.add(next);
    }
    return granted;
  }

  /** Completes the granted reservations outside the lock, each on its waiter's context. */
  private static void completeAll(Deque<Waiter> granted) {
    granted.forEach(waiter -> waiter.context.runOnContext(v -> waiter.promise.complete()));
  }

  private void take(long bytes) {
    held += bytes;
    peak = Math.max(peak, held);
  }

  long max() {
    return max;
  }

  synchronized long held() {
    return held;
  }

  /** The most bytes ever held at once. */
  synchronized long peak() {
    return peak;
  }

  synchronized int waiting() {
    return waiters.size();
  }

  private record Waiter(Context context, Promise<Void> promise, long bytes) {
  }
}
