package tcpbalancer.proxy;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.flow.BoundedCounter;

/**
 * What the proxy knows of one upstream right now: health and counters. Shared by every proxy instance (each on
 * its own event loop), so every field is atomic or guarded by this object.
 */
public final class UpstreamState {

  private static final Logger log = LoggerFactory.getLogger(UpstreamState.class);

  private volatile Upstream upstream;
  private final BoundedCounter active = new BoundedCounter();
  private final AtomicLong total = new AtomicLong();
  private final AtomicLong connectFailures = new AtomicLong();
  private final AtomicLong bytesToUpstream = new AtomicLong();
  private final AtomicLong bytesFromUpstream = new AtomicLong();
  private boolean up = true;
  private int failuresInARow;
  private int checksPassedInARow;
  private int checksFailedInARow;

  UpstreamState(Upstream upstream) {
    this.upstream = upstream;
  }

  public Upstream upstream() {
    return upstream;
  }

  /** A new weight or connection limit for the same address: health and counters stay. */
  void reconfigure(Upstream changed) {
    this.upstream = changed;
  }

  public synchronized boolean isUp() {
    return up;
  }

  public int active() {
    return active.get();
  }

  public long total() {
    return total.get();
  }

  public long connectFailures() {
    return connectFailures.get();
  }

  public long bytesToUpstream() {
    return bytesToUpstream.get();
  }

  public long bytesFromUpstream() {
    return bytesFromUpstream.get();
  }

  /** Load relative to weight, for least-connections and power-of-two-choices. */
  double load() {
    return (double) active.get() / upstream.weight();
  }

  /** Takes a connection slot unless the upstream is at its own maximum. */
  boolean tryReserve() {
    return active.tryIncrement(upstream.maxConns());
  }

  void release() {
    active.decrement();
  }

  void addBytesToUpstream(long bytes) {
    bytesToUpstream.addAndGet(bytes);
  }

  void addBytesFromUpstream(long bytes) {
    bytesFromUpstream.addAndGet(bytes);
  }

  /** A client connection reached this upstream. */
  synchronized void connected() {
    total.incrementAndGet();
    failuresInARow = 0;
  }

  /** Passive health: {@code threshold} connect failures in a row mark the upstream down. */
  synchronized void connectFailed(Throwable cause, int threshold) {
    connectFailures.incrementAndGet();
    failuresInARow++;
    if (up && failuresInARow >= threshold) {
      markDown(failuresInARow + " connect failures in a row (last: " + cause.getMessage() + ")");
    }
  }

  /** Active health: {@code rise} passed checks in a row bring a down upstream back. */
  synchronized void checkPassed(int rise) {
    checksFailedInARow = 0;
    checksPassedInARow++;
    if (!up && checksPassedInARow >= rise) {
      up = true;
      failuresInARow = 0;
      log.warn("Upstream {} is UP: {} health checks passed in a row", upstream.address(), checksPassedInARow);
    }
  }

  /** Active health: {@code fall} failed checks in a row take an up upstream down; true when this one did. */
  synchronized boolean checkFailed(Throwable cause, int fall) {
    checksPassedInARow = 0;
    checksFailedInARow++;
    if (up && checksFailedInARow >= fall) {
      markDown(checksFailedInARow + " health checks failed in a row (last: " + cause.getMessage() + ")");
      return true;
    }
    return false;
  }

  private void markDown(String why) {
    up = false;
    checksPassedInARow = 0;
    log.warn("Upstream {} is DOWN: {}", upstream.address(), why);
  }

  @Override
  public String toString() {
    return String.format("%s %s active=%d total=%d connectFailures=%d bytesTo=%d bytesFrom=%d",
      upstream.address(), isUp() ? "UP" : "DOWN", active(), total(), connectFailures(), bytesToUpstream(),
      bytesFromUpstream());
  }
}
