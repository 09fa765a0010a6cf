package tcpbalancer.backend;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import tcpbalancer.admin.Metrics;
import tcpbalancer.flow.PermitQueue;

/**
 * The resize workers of this Vert.x, each on an event bus address of its own, and which of them are idle.
 * A backend takes an idle worker for each request and gives it back when answered. When none is idle, requests
 * wait, in order, for the first worker to be given back. So work is bound to a worker only when the worker
 * can start it: a request never queues behind a large image on one worker while another worker is idle (the
 * event bus, by itself, hands a worker address's messages round in turn, whatever each worker is doing).
 *
 * <p>One per Vert.x, found in its shared data by workers and backends alike (they are separate deployments), so
 * it is used from several event loops and worker threads: every change happens under the permit queue's lock.
 */
final class LocalWorkers implements Shareable {

  private static final String MAP = "tcpbalancer.backend.local-workers";

  private final Set<String> running = new HashSet<>();
  private final Deque<String> idle = new ArrayDeque<>();
  /** Permits are idle workers' addresses; a request waits as long as it may, so the line has no bound. */
  private final PermitQueue<String> queue;

  LocalWorkers(Vertx vertx) {
    queue = new PermitQueue<>(vertx, new PermitQueue.Pool<>() {
      @Override
      public String poll() {
        return idle.pollFirst();
      }

      @Override
      public void offer(String address) {
        idle.addLast(address);
      }
    }, Integer.MAX_VALUE);
  }

  static LocalWorkers of(Vertx vertx) {
    LocalMap<String, LocalWorkers> map = vertx.sharedData().getLocalMap(MAP);
    return map.computeIfAbsent("local", key -> {
      LocalWorkers workers = new LocalWorkers(vertx);
      Metrics.registry(vertx).ifPresent(registry -> BackendMeters.registerWorkers(registry, workers));
      return workers;
    });
  }

  /** The worker at {@code address} can take work: the first waiting request gets it, else it is idle. */
  void workerStarted(String address) {
    queue.locked(() -> {
      running.add(address);
      queue.release(address);
      return null;
    });
  }

  /** The worker at {@code address} is gone: it is no longer handed out, and if it was the last, waiters fail. */
  void workerStopped(String address) {
    queue.locked(() -> {
      running.remove(address);
      idle.remove(address);
      if (running.isEmpty()) {
        queue.failWaiters(LocalWorkers::noWorker);
      }
      return null;
    });
  }

  /** Whether any worker runs here, idle or busy. */
  boolean anyRunning() {
    return queue.locked(() -> !running.isEmpty());
  }

  /** Workers running here and working on a request (metrics). */
  int busy() {
    return queue.locked(() -> running.size() - idle.size());
  }

  /** Workers running here with nothing to do (metrics). */
  int idle() {
    return queue.locked(idle::size);
  }

  /** Requests waiting for a worker of this Vert.x to be given back (metrics). */
  int waiting() {
    return queue.waiting();
  }

  /** The address of an idle worker, now taken, or null when every worker is busy. */
  String tryTake() {
    return queue.tryAcquire();
  }

  /**
   * The address of a worker, taken: an idle one at once, else the first one given back, on the caller's context.
   * Fails with a {@link ReplyException} like the event bus's own: {@code NO_HANDLERS} when no worker runs here, or
   * {@code TIMEOUT} after {@code timeoutMillis} of waiting.
   */
  Future<String> take(long timeoutMillis) {
    Future<String> taken = queue.locked(() -> running.isEmpty() ? Future.failedFuture(noWorker())
      : queue.acquire(timeoutMillis));
    return taken.recover(failure -> Future.failedFuture(failure instanceof PermitQueue.Refused
      ? new ReplyException(ReplyFailure.TIMEOUT, "no resize worker was free within " + timeoutMillis + " ms")
      : failure));
  }

  /** Gives a worker back when its request is answered: to the first waiter, or to the idle ones. */
  void release(String address) {
    queue.locked(() -> {
      if (running.contains(address)) {
        queue.release(address);
      }
      return null;
    });
  }

  private static ReplyException noWorker() {
    return new ReplyException(ReplyFailure.NO_HANDLERS, "no resize worker is running");
  }
}
