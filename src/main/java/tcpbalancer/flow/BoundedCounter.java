package tcpbalancer.flow;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A count of things in progress (connections, requests) that may not pass a limit, shared by event loops: an
 * increment that would pass the limit is refused instead of waiting.
 */
public final class BoundedCounter {

  private final AtomicInteger count = new AtomicInteger();

  /** Counts one more unless {@code limit} are counted already; a limit of 0 or less means none. */
  public boolean tryIncrement(int limit) {
    while (true) {
      int current = count.get();
      if (limit > 0 && current >= limit) {
        return false;
      }
      if (count.compareAndSet(current, current + 1)) {
        return true;
      }
    }
  }

  public void decrement() {
    count.decrementAndGet();
  }

  public int get() {
    return count.get();
  }
}
