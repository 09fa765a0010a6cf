package tcpbalancer.flow;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;

/**
 * Permits taken and given back by code on several event loops. When no permit is free, callers wait in FIFO
 * order, at most {@code maxWaiting} of them, each for at most a timeout; a permit given back goes to the
 * longest-waiting caller, on that caller's own context. Thread-safe.
 *
 * @param <T> what a permit is: a token for a plain count, or the resource itself (a worker's address)
 */
public final class PermitQueue<T> {

  /** Where the free permits are kept. Called only under the queue's lock. */
  public interface Pool<T> {
    /** A free permit, now taken, or null when none is free. */
    T poll();

    /** A permit is free again. */
    void offer(T permit);
  }

  private final Vertx vertx;
  private final Pool<T> pool;
  private final int maxWaiting;
  private final Deque<Waiter<T>> waiters = new ArrayDeque<>();

  public PermitQueue(Vertx vertx, Pool<T> pool, int maxWaiting) {
    this.vertx = vertx;
    this.pool = pool;
    this.maxWaiting = maxWaiting;
  }

  /** A queue of {@code permits} interchangeable permits: a connection limit. */
  public static PermitQueue<Permit> counting(Vertx vertx, int permits, int maxWaiting) {
    return new PermitQueue<>(vertx, new Counter(permits), maxWaiting);
  }

  /** A free permit, now taken, or null: never waits. */
  public synchronized T tryAcquire() {
    return pool.poll();
  }

  /**
   * A permit: a free one at once, else the first one given back within {@code timeoutMillis}, completed on the
   * caller's context. Fails with {@link Refused} when {@code maxWaiting} callers already wait, or on time-out.
   */
  public Future<T> acquire(long timeoutMillis) {
    Waiter<T> waiter;
    synchronized (this) {
      T free = pool.poll();
      if (free != null) {
        return Future.succeededFuture(free);
      }
      if (waiters.size() >= maxWaiting) {
        return Future.failedFuture(new Refused(false, waiters.size()));
      }
      waiter = new Waiter<>(vertx.getOrCreateContext(), Promise.promise());
      waiters.addLast(waiter);
    }
    long timer = vertx.setTimer(timeoutMillis, id -> {
      if (withdraw(waiter)) {
        waiter.promise.tryFail(new Refused(true, waiting()));
      } // else a permit is on its way to this waiter
    });
    return waiter.promise.future().onComplete(taken -> vertx.cancelTimer(timer));
  }

  /** Gives a permit back: to the longest-waiting caller, or to the pool. */
  public void release(T permit) {
    Waiter<T> next;
    synchronized (this) {
      next = waiters.pollFirst();
      if (next == null) {
        pool.offer(permit);
        return;
      }
    }
    next.context.runOnContext(v -> {
      if (!next.promise.tryComplete(permit)) {
        release(permit); // the waiter was failed meanwhile
      }
    });
  }

  /** Fails every waiting caller with {@code cause} (the permits are gone for good). */
  public void failWaiters(Supplier<? extends Throwable> cause) {
    List<Waiter<T>> failed;
    synchronized (this) {
      failed = new ArrayList<>(waiters);
      waiters.clear();
    }
    failed.forEach(waiter -> waiter.context.runOnContext(v -> waiter.promise.tryFail(cause.get())));
  }

  /** Runs {@code change} under the queue's lock: a change of the pool that must not race a take or a release. */
  public synchronized <R> R locked(Supplier<R> change) {
    return change.get();
  }

  public synchronized int waiting() {
    return waiters.size();
  }

  private synchronized boolean withdraw(Waiter<T> waiter) {
    return waiters.remove(waiter);
  }

  private record Waiter<T>(Context context, Promise<T> promise) {
  }

  /** An interchangeable permit of a {@link #counting} queue. */
  public enum Permit {
    INSTANCE
  }

  /**
   * {@code size} interchangeable permits, for {@link #counting}, or for a queue whose owner also reads how many
   * are taken ({@code queue.locked(counter::taken)}: the counter is guarded by its queue's lock).
   */
  public static final class Counter implements Pool<Permit> {
    private final int size;
    private int taken;

    public Counter(int size) {
      this.size = size;
    }

    /** Permits taken and not yet given back to the pool (one on its way to a waiter counts as taken). */
    public int taken() {
      return taken;
    }

    @Override
    public Permit poll() {
      if (taken == size) {
        return null;
      }
      taken++;
      return Permit.INSTANCE;
    }

    @Override
    public void offer(Permit permit) {
      taken--;
    }
  }

  /** No permit: the waiting line was full, or the wait timed out. */
  public static final class Refused extends RuntimeException {
    private final boolean timedOut;
    private final int waiting;

    Refused(boolean timedOut, int waiting) {
      super(timedOut ? "timed out waiting for a permit" : "too many waiting for a permit", null, false, false);
      this.timedOut = timedOut;
      this.waiting = waiting;
    }

    /** True when the caller waited its whole timeout; false when it could not even wait (the line was full). */
    public boolean timedOut() {
      return timedOut;
    }

    /** How many callers were waiting then. */
    public int waiting() {
      return waiting;
    }
  }
}
