package tcpbalancer.client;

import java.util.concurrent.TimeUnit;

/**
 * A round's connect failures in a row: a proxy that is down, perhaps restarting. It says how long to wait before
 * the next connect ({@link Backoff}) and when to give up: {@code reconnectTimeoutMillis} after the first failure
 * of this outage. While it lasts, the progress line says the run is waiting for the proxy.
 */
final class ProxyOutage {

  private final long timeoutMillis;
  private final Progress progress;
  private int failures;
  private long startNanos;

  ProxyOutage(long timeoutMillis, Progress progress) {
    this.timeoutMillis = timeoutMillis;
    this.progress = progress;
  }

  /** A connect failed: the wait before the next one, or -1 once the outage has lasted the whole timeout. */
  long connectFailed() {
    long now = System.nanoTime();
    if (failures++ == 0) {
      startNanos = now;
      progress.waitingForProxy(true);
    }
    long leftMillis = timeoutMillis - TimeUnit.NANOSECONDS.toMillis(now - startNanos);
    if (leftMillis <= 0) {
      return -1;
    }
    return Math.max(1, Math.min(leftMillis, Backoff.millis(failures)));
  }

  /** Whether this is the first failure of a new outage (after {@link #connectFailed}). */
  boolean justStarted() {
    return failures == 1;
  }

  /** A connect worked, or the round stopped trying: the outage is over. True if there was one. */
  boolean end() {
    if (failures == 0) {
      return false;
    }
    failures = 0;
    progress.waitingForProxy(false);
    return true;
  }
}
