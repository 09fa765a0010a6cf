package tcpbalancer.proxy;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * HAProxy's {@code slowstart}: an upstream that comes back up or joins gets a share of its weight that grows in a
 * straight line over {@code millis}, from {@link #FIRST_SHARE} to all of it, so that a cold JVM behind it is not
 * flooded with its full share at once. The clock is given, so that tests can move time themselves.
 */
final class SlowStart {

  /** The share at the start: small, but more than nothing, so that the upstream warms up from the first moment. */
  static final double FIRST_SHARE = 0.05;
  /** Slow start off: every upstream has its full weight at once. */
  static final SlowStart OFF = new SlowStart(0, () -> 0);

  private final long millis;
  private final LongSupplier clockMillis;

  /** @param clockMillis a monotonic clock in milliseconds */
  SlowStart(long millis, LongSupplier clockMillis) {
    this.millis = millis;
    this.clockMillis = clockMillis;
  }

  /** Slow start over {@code millis} on the JVM's monotonic clock; {@link #OFF} when 0. */
  static SlowStart of(long millis) {
    return millis == 0 ? OFF : new SlowStart(millis, () -> System.nanoTime() / 1_000_000);
  }

  boolean isOn() {
    return millis > 0;
  }

  /** Now, on this slow start's clock: when a ramp starts. */
  long now() {
    return clockMillis.getAsLong();
  }

  /** The share of its weight an upstream whose ramp started at {@code startedAt} has now: 1 once it is over. */
  double share(long startedAt) {
    long elapsed = clockMillis.getAsLong() - startedAt;
    if (millis == 0 || elapsed >= millis) {
      return 1;
    }
    return Math.max(FIRST_SHARE, (double) Math.max(elapsed, 0) / millis);
  }

  /** A ramp for one upstream; {@code started} when it joins a running proxy, and so starts slowly. */
  Ramp ramp(boolean started) {
    Ramp ramp = new Ramp();
    if (started) {
      ramp.restart();
    }
    return ramp;
  }

  /** One upstream's ramp: thread-safe, as the strategies read it from every event loop. */
  final class Ramp {

    /** When the ramp began, on the slow start's clock; -1 while the upstream has its full weight. */
    private final AtomicLong startedAt = new AtomicLong(-1);

    /** The upstream came back: its ramp starts again from the bottom (nothing when slow start is off). */
    void restart() {
      if (isOn()) {
        startedAt.set(now());
      }
    }

    /** The share of {@code weight} reached now. Once the ramp is over, a connection pays no clock read for it. */
    double weight(int weight) {
      long started = startedAt.get();
      if (started < 0) {
        return weight;
      }
      double share = share(started);
      if (share >= 1) {
        startedAt.compareAndSet(started, -1); // unless a new ramp began meanwhile
      }
      return weight * share;
    }
  }
}
