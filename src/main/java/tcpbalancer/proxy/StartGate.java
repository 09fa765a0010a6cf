package tcpbalancer.proxy;

import io.vertx.core.AsyncResult;
import io.vertx.core.Closeable;
import io.vertx.core.Completable;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.CloseFuture;
import io.vertx.core.internal.VertxInternal;

/**
 * Passes on the outcome of a verticle's asynchronous start, unless Vert.x began to close first.
 *
 * <p>When Vert.x closes while an instance is still starting, it fails that instance's start promise at once
 * ("Verticle un-deployed"), and completes the same promise again when the start future completes later, which
 * logs {@code IllegalStateException: Promise already completed}. Vert.x runs its close hooks before it fails
 * starts, so this gate, one of those hooks, hears of the close first: from then on it holds the start back for
 * good and has the verticle undo what it started instead. A start that completed first is stopped as usual.
 *
 * <p>The gate completes Vert.x's promise in its lock only if Vert.x has hooked that promise to {@link #future()},
 * which it does once {@code start()} has returned: the start's work therefore begins from {@link #opened(Context)}.
 */
final class StartGate implements Closeable {

  private final CloseFuture vertxClosing;
  private final Promise<Void> started = Promise.promise(); // no context: completes Vert.x's promise in our lock
  private boolean closing;
  private boolean settled;

  StartGate(Vertx vertx) {
    vertxClosing = ((VertxInternal) vertx).closeFuture();
    closing = !vertxClosing.add(this);
  }

  /** What {@code start()} returns. */
  Future<Void> future() {
    return started.future();
  }

  /**
   * Completes on the next turn of {@code context}'s event loop, after {@code start()} returned. A start passed
   * before (an instance joining a port another instance bound listens at once) would reach Vert.x's promise out of
   * the lock, where a close could fail it between the two: "Promise already completed", and an instance that
   * listens on with nobody to stop it.
   */
  static Future<Void> opened(Context context) {
    Promise<Void> opened = Promise.promise();
    context.runOnContext(opened::complete);
    return opened.future();
  }

  /**
   * Passes {@code outcome} on; on a failure runs {@code undo} first. When Vert.x is closing it runs {@code undo}
   * and passes nothing: Vert.x has failed the start already and must not hear of it again. True when a success
   * was passed on.
   */
  boolean pass(AsyncResult<?> outcome, Runnable undo) {
    boolean abandoned;
    synchronized (this) {
      settled = true;
      abandoned = closing;
      if (!abandoned && outcome.succeeded()) {
        started.complete();
      } else if (!abandoned) {
        undo.run();
        started.fail(outcome.cause());
      }
    }
    vertxClosing.remove(this);
    if (abandoned) {
      undo.run();
    }
    return !abandoned && outcome.succeeded();
  }

  @Override
  public void close(Completable<Void> completion) {
    synchronized (this) {
      closing = !settled;
    }
    completion.succeed();
  }
}
