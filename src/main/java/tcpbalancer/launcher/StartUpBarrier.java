package tcpbalancer.launcher;

import io.vertx.core.Closeable;
import io.vertx.core.Completable;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds back the close of Vert.x (a SIGTERM, a client run ending) while the deployment is still starting, until
 * it has started or failed; Vert.x then undeploys what started. Without it, Vert.x fails the start of the
 * verticles in progress and their own start, completing later, meets an already failed deployment ("Promise
 * already completed", "Verticle un-deployed").
 *
 * <p>It is a close hook of Vert.x ({@link VertxInternal#addCloseHook}, the API the Vert.x launcher uses for its
 * own stop hook): those run before Vert.x undeploys anything, and Vert.x waits for each to complete.
 */
final class StartUpBarrier implements Closeable {

  private static final Logger log = LoggerFactory.getLogger(StartUpBarrier.class);
  /** Longest a stop waits for a start-up that hangs (e.g. a cluster that cannot be reached). */
  static final long LIMIT_MILLIS = 60_000;

  private final Vertx vertx;
  private final Promise<Void> settled = Promise.promise();

  private StartUpBarrier(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Installs the barrier on {@code vertx}: call before the deployment starts. */
  static StartUpBarrier install(Vertx vertx) {
    StartUpBarrier barrier = new StartUpBarrier(vertx);
    ((VertxInternal) vertx).addCloseHook(barrier);
    return barrier;
  }

  /** The deployment has started or failed: a stop proceeds at once from now on. */
  void settled() {
    settled.tryComplete();
  }

  @Override
  public void close(Completable<Void> completion) {
    if (!settled.future().isComplete()) {
      log.info("Stopping once the start-up in progress has finished");
    }
    long timer = vertx.setTimer(LIMIT_MILLIS, id -> settled.tryComplete());
    settled.future().onComplete(done -> {
      vertx.cancelTimer(timer);
      completion.succeed();
    });
  }
}
