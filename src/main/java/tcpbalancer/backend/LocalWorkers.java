package tcpbalancer.backend;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The resize workers of this Vert.x, each on an event bus address of its own, and which of them are idle.
 * A backend takes an idle worker for each request and gives it back when answered. When none is idle, requests
 * wait here, in order, for the first worker to be given back. So work is bound to a worker only when the worker
 * can start it: a request never queues behind a large image on one worker while another worker is idle (the
 * event bus, by itself, hands a worker address's messages round in turn, whatever each worker is doing).
 *
 * <p>Shared by every verticle of the JVM, so it is used from several event loops and worker threads.
 */
final class LocalWorkers implements Shareable {

  private final Set<String> running = new HashSet<>();
  private final Deque<String> idle = new ArrayDeque<>();
  private final Deque<Waiter> waiting = new ArrayDeque<>();

  /** A request waiting for a worker: answered on its backend connection's context. */
  private record Waiter(Context context, Promise<String> worker) {
  }

  static LocalWorkers of(Vertx vertx) {
    LocalMap<String, LocalWorkers> map = vertx.sharedData().getLocalMap("tcpbalancer.workers");
    return map.computeIfAbsent("local", key -> new LocalWorkers());
  }

  synchronized void workerStarted(String address) {
    running.add(address);
    handOver(address);
  }

  /** The worker at {@code address} is gone: it is no longer handed out, and if it was the last, waiters fail. */
  void workerStopped(String address) {
    List<Waiter> orphans = new ArrayList<>();
    synchronized (this) {
      running.remove(address);
      idle.remove(address);
      if (running.isEmpty()) {
        orphans.addAll(waiting);
        waiting.clear();
      }
    }
    orphans.forEach(waiter -> waiter.context().runOnContext(v -> waiter.worker().tryFail(noWorker())));
  }

  /** The address of an idle worker, now taken, or null when every worker is busy. */
  synchronized String tryTake() {
    return idle.pollFirst();
  }

  /**
   * The address of a worker, taken: an idle one at once, else the first one given back, on {@code context}. Fails
   * with a {@link ReplyException} like the event bus's own: {@code NO_HANDLERS} when no worker runs here, or
   * {@code TIMEOUT} after {@code timeoutMillis} of waiting.
   */
  Future<String> take(Context context, long timeoutMillis) {
    Waiter waiter;
    synchronized (this) {
      String address = idle.pollFirst();
      if (address != null) {
        return Future.succeededFuture(address);
      }
      if (running.isEmpty()) {
        return Future.failedFuture(noWorker());
      }
      waiter = new Waiter(context, Promise.promise());
      waiting.addLast(waiter);
    }
    long timer = context.owner().setTimer(timeoutMillis, id -> {
      if (withdraw(waiter)) {
        waiter.worker().tryFail(new ReplyException(ReplyFailure.TIMEOUT,
          "no resize worker was free within " + timeoutMillis + " ms"));
      } // else a worker is on its way to this waiter
    });
    return waiter.worker().future().onComplete(taken -> context.owner().cancelTimer(timer));
  }

  /** Gives a worker back when its request is answered: to the first waiter, or to the idle ones. */
  synchronized void release(String address) {
    if (running.contains(address)) {
      handOver(address);
    }
  }

  private synchronized boolean withdraw(Waiter waiter) {
    return waiting.remove(waiter);
  }

  private void handOver(String address) {
    Waiter waiter = waiting.pollFirst();
    if (waiter == null) {
      idle.addLast(address);
      return;
    }
    waiter.context().runOnContext(v -> {
      if (!waiter.worker().tryComplete(address)) {
        release(address); // the waiter gave up meanwhile
      }
    });
  }

  private static ReplyException noWorker() {
    return new ReplyException(ReplyFailure.NO_HANDLERS, "no resize worker is running");
  }
}
