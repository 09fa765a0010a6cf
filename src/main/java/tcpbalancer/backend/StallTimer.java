package tcpbalancer.backend;

import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Closes a connection that stopped sending: one with nothing in progress and no bytes for the idle timeout, or one
 * in the middle of a frame whose body made no progress for the body timeout. A connection this side paused is
 * waiting for us, not stalled: it is never timed out. One timer per connection, re-armed as it fires, rather than
 * one per read. Used on the connection's event loop only.
 */
final class StallTimer {

  /** What the connection is doing, as far as its peer's sending goes. */
  enum State { IDLE, RECEIVING, WAITING }

  private final Vertx vertx;
  private final long idleMillis;
  private final long bodyMillis;
  private final Supplier<State> state;
  private final Consumer<State> onStall;
  private long lastProgress = System.nanoTime();
  private long timer = -1;
  private boolean stopped;

  /** A timeout of 0 is none. */
  StallTimer(Vertx vertx, long idleMillis, long bodyMillis, Supplier<State> state, Consumer<State> onStall) {
    this.vertx = vertx;
    this.idleMillis = idleMillis;
    this.bodyMillis = bodyMillis;
    this.state = state;
    this.onStall = onStall;
  }

  void start() {
    progress();
    schedule(shortest());
  }

  /** Bytes arrived, or this side resumed reading: the clock starts again. */
  void progress() {
    lastProgress = System.nanoTime();
  }

  void stop() {
    stopped = true;
    vertx.cancelTimer(timer);
  }

  private long shortest() {
    return idleMillis == 0 ? bodyMillis : bodyMillis == 0 ? idleMillis : Math.min(idleMillis, bodyMillis);
  }

  private void schedule(long delayMillis) {
    if (!stopped && delayMillis > 0) {
      timer = vertx.setTimer(delayMillis, id -> check());
    }
  }

  private void check() {
    State now = state.get();
    long limit = switch (now) {
      case IDLE -> idleMillis;
      case RECEIVING -> bodyMillis;
      case WAITING -> 0;
    };
    long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastProgress);
    if (limit > 0 && elapsed >= limit) {
      stop();
      onStall.accept(now);
    } else {
      schedule(limit > 0 ? limit - elapsed : shortest());
    }
  }

  /** Milliseconds since the last progress, for log lines. */
  long sinceProgressMillis() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastProgress);
  }
}
