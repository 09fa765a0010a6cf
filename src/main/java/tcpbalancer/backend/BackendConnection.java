package tcpbalancer.backend;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.FrameParser;
import tcpbalancer.protocol.FrameType;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;
import tcpbalancer.protocol.StatusException;

/**
 * One client connection to a backend: reads request frames, decodes each once and sends the {@link ResizeRequest}
 * to a resize worker, names itself in the worker's {@link ResizeResponse} and writes it back, in whatever order the
 * answers complete.
 *
 * <p>Flow control: reading pauses while this connection has {@code maxInFlightPerConnection} requests in
 * progress or while the socket's write queue is full, and resumes when both clear. Past the backend-wide
 * limit a request is answered {@code busy} at once instead of queueing without bound.
 */
final class BackendConnection {

  private static final Logger log = LoggerFactory.getLogger(BackendConnection.class);

  private final NetSocket socket;
  private final BackendOptions options;
  private final InFlightLimit backendLimit;
  private final WorkerRouter router;
  private final EventBus eventBus;
  private final DeliveryOptions deliveryOptions;
  private FrameParser parser;
  private int inFlight;
  private boolean paused;
  private boolean draining;
  private boolean broken;
  private boolean closed;

  BackendConnection(NetSocket socket, BackendOptions options, InFlightLimit backendLimit, WorkerRouter router,
                    Vertx vertx) {
    this.socket = socket;
    this.options = options;
    this.backendLimit = backendLimit;
    this.router = router;
    this.eventBus = vertx.eventBus();
    this.deliveryOptions = new DeliveryOptions().setSendTimeout(options.requestTimeoutMillis());
  }

  void start() {
    parser = FrameParser.on(socket, options.maxFrameSize())
      .frameHandler(this::onFrame)
      .errorHandler(this::onProtocolError)
      .endHandler(v -> onEnd());
    socket.drainHandler(v -> updateFlow());
    socket.exceptionHandler(e -> log.debug("Connection from {} failed: {}", socket.remoteAddress(), e.toString()));
    socket.closeHandler(v -> closed = true);
    socket.shutdownHandler(v -> drain());
    log.debug("Connection from {}", socket.remoteAddress());
  }

  private void onFrame(Frame frame) {
    if (broken) {
      return; // frames read before the connection was found out of sync
    }
    if (frame.type() != FrameType.RESIZE_REQUEST) {
      onProtocolError(new StatusException(Status.BAD_FRAME, "expected a resize request, got a " + frame.type() + " frame"));
      return;
    }
    long requestId = frame.requestId();
    ResizeRequest request;
    try {
      request = ResizeRequest.decode(frame.body());
    } catch (StatusException e) {
      // The frame itself was well delimited, so the stream is still in sync: refuse this request only.
      answer(requestId, ResizeResponse.failure(e.status(), options.name(), "", e.getMessage()));
      return;
    }
    if (request.dryRun()) {
      answer(requestId, new ResizeResponse(Status.OK, request.width(), request.height(), 0, request.format(),
        options.name(), request.name(), "", Buffer.buffer()));
      return;
    }
    if (!backendLimit.tryAcquire()) {
      answer(requestId, ResizeResponse.failure(Status.BUSY, options.name(), request.name(),
        "backend " + options.name() + " has " + backendLimit.max() + " requests in progress; try again later"));
      return;
    }
    inFlight++;
    updateFlow();
    long received = System.nanoTime();
    router.route(options.requestTimeoutMillis()).onComplete(routed -> {
      if (routed.failed()) {
        finish(requestId, request, Future.failedFuture(routed.cause()));
        return;
      }
      WorkerRouter.Route route = routed.result();
      eventBus.<ResizeResponse>request(route.address(), request, deliveryOptionsAfter(received))
        .onComplete(reply -> {
          router.answered(route);
          finish(requestId, request, reply);
        });
    });
  }

  /** The request's time limit counts from when it was read, waiting for a worker included. */
  private DeliveryOptions deliveryOptionsAfter(long receivedNanos) {
    long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - receivedNanos);
    if (waitedMillis == 0) {
      return deliveryOptions;
    }
    long leftMillis = Math.max(1, options.requestTimeoutMillis() - waitedMillis);
    return new DeliveryOptions(deliveryOptions).setSendTimeout(leftMillis);
  }

  private void finish(long requestId, ResizeRequest request, AsyncResult<Message<ResizeResponse>> reply) {
    backendLimit.release();
    inFlight--;
    answer(requestId, toResponse(reply, request));
    updateFlow();
  }

  private ResizeResponse toResponse(AsyncResult<Message<ResizeResponse>> reply, ResizeRequest request) {
    if (reply.succeeded()) {
      return reply.result().body().withBackend(options.name());
    }
    Throwable failure = reply.cause();
    if (failure instanceof ReplyException e) {
      return switch (e.failureType()) {
        case RECIPIENT_FAILURE -> failure(Status.fromCode(e.failureCode()), request, e.getMessage());
        case TIMEOUT -> failure(Status.TIMEOUT, request,
          "no resize worker answered within " + options.requestTimeoutMillis() + " ms");
        case NO_HANDLERS -> failure(Status.BUSY, request, "no resize worker is running");
        default -> failure(Status.INTERNAL_ERROR, request, e.getMessage());
      };
    }
    log.warn("Resize of {} failed unexpectedly", request.name(), failure);
    return failure(Status.INTERNAL_ERROR, request, String.valueOf(failure.getMessage()));
  }

  private ResizeResponse failure(Status status, ResizeRequest request, String message) {
    return ResizeResponse.failure(status, options.name(), request.name(), message);
  }

  /** Writes an answer; every path goes through here, so every path respects the socket's write queue. */
  private void answer(long requestId, ResizeResponse response) {
    if (closed) {
      return;
    }
    if (!response.ok()) {
      log.debug("Request {} from {} refused: {}: {}", requestId, socket.remoteAddress(), response.status().label(),
        response.message());
    }
    Buffer frame;
    try {
      frame = response.toFrame(requestId).encode();
    } catch (IllegalArgumentException e) {
      frame = ResizeResponse.failure(Status.INTERNAL_ERROR, options.name(), "", "cannot encode the answer: "
        + e.getMessage()).toFrame(requestId).encode();
    }
    socket.write(frame);
    updateFlow();
  }

  /** The backend is stopping: read no more requests, answer those in progress, then close. */
  private void drain() {
    draining = true;
    updateFlow();
  }

  /** Pauses reading while this connection is at its limit or its answers are not being read fast enough. */
  private void updateFlow() {
    if (draining && inFlight == 0 && !closed) {
      socket.end();
      return;
    }
    boolean mustPause = draining || inFlight >= options.maxInFlightPerConnection() || socket.writeQueueFull();
    if (mustPause && !paused) {
      paused = true;
      parser.pause();
    } else if (!mustPause && paused) {
      paused = false;
      parser.resume();
    }
  }

  /** A broken frame leaves the stream out of sync: say why in an error frame (request id 0), then close. */
  private void onProtocolError(StatusException e) {
    log.info("Closing connection from {}: {}", socket.remoteAddress(), e.getMessage());
    broken = true;
    parser.pause();
    if (!closed) {
      socket.write(ResizeResponse.failure(e.status(), options.name(), "", e.getMessage()).toFrame(0).encode());
      socket.end();
    }
  }

  private void onEnd() {
    if (parser.inFrame()) {
      log.info("Connection from {} ended in the middle of a frame", socket.remoteAddress());
    }
  }
}
