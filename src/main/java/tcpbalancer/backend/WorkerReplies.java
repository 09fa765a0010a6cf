package tcpbalancer.backend;

import io.vertx.core.AsyncResult;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;

/** Turns a resize worker's reply, or the event bus's failure to get one, into the answer a client gets. */
final class WorkerReplies {

  private static final Logger log = LoggerFactory.getLogger(WorkerReplies.class);

  private WorkerReplies() {
  }

  static ResizeResponse toResponse(AsyncResult<Message<ResizeResponse>> reply, ResizeRequest request,
                                   BackendOptions options) {
    if (reply.succeeded()) {
      return reply.result().body().withBackend(options.name());
    }
    Throwable failure = reply.cause();
    if (failure instanceof ReplyException e) {
      return switch (e.failureType()) {
        case RECIPIENT_FAILURE -> failure(Status.fromCode(e.failureCode()), request, options, e.getMessage());
        case TIMEOUT -> failure(Status.TIMEOUT, request, options,
          "no resize worker answered within " + options.requestTimeoutMillis() + " ms");
        case NO_HANDLERS -> failure(Status.BUSY, request, options, "no resize worker is running");
        default -> failure(Status.INTERNAL_ERROR, request, options, e.getMessage());
      };
    }
    log.warn("Resize of {} failed unexpectedly", request.name(), failure);
    return failure(Status.INTERNAL_ERROR, request, options, String.valueOf(failure.getMessage()));
  }

  private static ResizeResponse failure(Status status, ResizeRequest request, BackendOptions options, String message) {
    return ResizeResponse.failure(status, options.name(), request.name(), message);
  }
}
