package tcpbalancer.client;

import io.vertx.core.Vertx;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows how far a run is, on stderr, once it has lasted more than a moment: a progress bar on a terminal,
 * else a plain line every few seconds (for logs and CI). Both say when the run is waiting for the proxy to come
 * back, so that a stalled count does not look like a hung client.
 */
final class Progress {

  private static final long SHOW_AFTER_MILLIS = 1_000;
  private static final long LINE_INTERVAL_MILLIS = 5_000;

  private final Vertx vertx;
  private final long total;
  private final boolean terminal;
  private final long startNanos = System.nanoTime();
  /** Counted by every lane of the run, each from its own event loop. */
  private final AtomicLong done = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  /** Rounds (one per lane at a time) that cannot reach the proxy at the moment. */
  private final AtomicInteger waitingForProxy = new AtomicInteger();
  private volatile ProgressBar bar;
  private long timer;

  Progress(Vertx vertx, long total) {
    this.vertx = vertx;
    this.total = total;
    this.terminal = System.console() != null;
    this.timer = vertx.setPeriodic(SHOW_AFTER_MILLIS, terminal ? SHOW_AFTER_MILLIS : LINE_INTERVAL_MILLIS,
      id -> show());
  }

  void step(boolean ok) {
    long count = done.incrementAndGet();
    if (!ok) {
      failed.incrementAndGet();
    }
    ProgressBar shown = bar;
    if (shown != null) {
      shown.stepTo(count);
    }
  }

  /** A round started (true) or stopped (false) waiting for the proxy to accept connections again. */
  void waitingForProxy(boolean waiting) {
    int rounds = waiting ? waitingForProxy.incrementAndGet() : waitingForProxy.decrementAndGet();
    ProgressBar shown = bar;
    if (shown != null) {
      shown.setExtraMessage(rounds > 0 ? "waiting for the proxy" : "");
    }
  }

  void finish() {
    vertx.cancelTimer(timer);
    if (bar != null) {
      bar.stepTo(done.get());
      bar.close();
    }
  }

  private void show() {
    if (terminal) {
      if (bar == null) {
        bar = new ProgressBarBuilder().setTaskName("Resizing").setInitialMax(total)
          .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).showSpeed().build();
        bar.stepTo(done.get());
      }
      return;
    }
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    long count = done.get();
    System.err.printf(Locale.ROOT, "progress: %d/%d images (%.0f%%), %d failed, %.1f images/s%s%n", count, total,
      100.0 * count / Math.max(1, total), failed.get(), count / seconds,
      waitingForProxy.get() > 0 ? ", waiting for the proxy to accept connections" : "");
  }
}
