package tcpbalancer.backend;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.ResizeResponse;

/**
 * Gets each request resized by a worker the {@link WorkerRouter} picks, within the request's time limit. An
 * attempt on another node's workers has a shorter limit of its own, {@code remoteTimeoutMillis}, and ends at once
 * when the cluster drops that node; the request then goes to a local worker or to another node. Resizing has no
 * side effects, so trying again is safe; an answer in which the worker judged the image (a refusal) is final.
 */
final class WorkerDispatch {

  private static final Logger log = LoggerFactory.getLogger(WorkerDispatch.class);

  private final WorkerRouter router;
  private final RemoteWorkers remoteWorkers;
  private final EventBus eventBus;
  private final long requestTimeoutMillis;
  private final long remoteTimeoutMillis;

  WorkerDispatch(Vertx vertx, BackendOptions options) {
    this.remoteWorkers = RemoteWorkers.of(vertx);
    this.router = new WorkerRouter(options.workerPolicy(), LocalWorkers.of(vertx), remoteWorkers);
    this.eventBus = vertx.eventBus();
    this.requestTimeoutMillis = options.requestTimeoutMillis();
    this.remoteTimeoutMillis = options.remoteTimeoutMillis();
  }

  /** The worker's reply; the time limit counts from {@code receivedNanos}, waiting for a worker included. */
  Future<Message<ResizeResponse>> send(ResizeRequest request, long receivedNanos) {
    long deadlineNanos = receivedNanos + TimeUnit.MILLISECONDS.toNanos(requestTimeoutMillis);
    return attempt(request, deadlineNanos, new HashSet<>(), null);
  }

  private Future<Message<ResizeResponse>> attempt(ResizeRequest request, long deadlineNanos, Set<String> failedNodes,
                                                  Throwable lastFailure) {
    return router.route(millisLeft(deadlineNanos), failedNodes).compose(route -> {
      if (route == null && timedOut(lastFailure) && !failedNodes.isEmpty()) {
        // A slow node is not a dead one: with nowhere else to go, the time left goes to the same nodes again.
        failedNodes.clear();
        return attempt(request, deadlineNanos, failedNodes, lastFailure);
      }
      if (route == null) {
        return Future.failedFuture(lastFailure != null ? lastFailure
          : new ReplyException(ReplyFailure.NO_HANDLERS, "no resize worker is running"));
      }
      long timeout = millisLeft(deadlineNanos);
      DeliveryOptions delivery = new DeliveryOptions()
        .setSendTimeout(route.remote() ? Math.min(timeout, remoteTimeoutMillis) : timeout);
      Future<Message<ResizeResponse>> reply = route.remote()
        ? remoteWorkers.request(route.nodeId(), request, delivery)
        : eventBus.request(route.address(), request, delivery);
      return reply.transform(answer -> {
        router.answered(route);
        if (answer.failed() && route.remote() && retryable(answer.cause())
          && System.nanoTime() < deadlineNanos) {
          log.debug("Resize of {} tried again: worker node {} failed it: {}", request.name(), route.nodeId(),
            answer.cause().getMessage());
          failedNodes.add(route.nodeId());
          return attempt(request, deadlineNanos, failedNodes, answer.cause());
        }
        return answer.succeeded() ? Future.succeededFuture(answer.result()) : Future.failedFuture(answer.cause());
      });
    });
  }

  /** Whether another worker may succeed: yes unless the worker answered with a failure of its own. */
  private static boolean retryable(Throwable failure) {
    return !(failure instanceof ReplyException e) || e.failureType() != ReplyFailure.RECIPIENT_FAILURE;
  }

  private static boolean timedOut(Throwable failure) {
    return failure instanceof ReplyException e && e.failureType() == ReplyFailure.TIMEOUT;
  }

  private static long millisLeft(long deadlineNanos) {
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
  }
}
