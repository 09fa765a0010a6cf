package tcpbalancer.backend;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.flow.PermitQueue;
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
 * <p>Flow control is pausing, so TCP pushes back on the client: reading pauses while this connection has
 * {@code maxInFlightPerConnection} requests in progress, while its write queue is full, while a request waits for
 * one of the backend's {@code maxInFlight} slots, and while a frame's body waits for room in the backend's byte
 * budget (reserved from the header, before the body is buffered). When the client shuts down its write side, the
 * requests read before are answered, then the connection closes.
 */
final class BackendConnection {

  private static final Logger log = LoggerFactory.getLogger(BackendConnection.class);

  private final NetSocket socket;
  private final BackendOptions options;
  private final BackendLimits limits;
  private final WorkerDispatch workers;
  private final StallTimer stallTimer;
  private FrameParser parser;
  private int inFlight;
  private final FrameBytes frameBytes;
  private long heldBytes; // of the requests read and not yet answered, reserved in the budget
  /** Bytes read from the socket, and those of them parsed into headers and frames: the rest are buffered. */
  private long bytesRead;
  private long bytesParsed;
  private int announcedBody = -1;
  private boolean waitingForBytes, waitingForSlot;
  private boolean paused;
  private boolean draining;
  private boolean inputEnded;
  private boolean broken;
  private boolean closed;

  BackendConnection(NetSocket socket, BackendOptions options, BackendLimits limits, WorkerDispatch workers,
                    Vertx vertx) {
    this.socket = socket;
    this.options = options;
    this.limits = limits;
    this.workers = workers;
    this.frameBytes = new FrameBytes(limits.bodies());
    this.stallTimer = new StallTimer(vertx, TimeUnit.SECONDS.toMillis(options.idleTimeoutSeconds()),
      options.bodyTimeoutMillis(), this::stallState, this::onStall);
  }

  void start() {
    InputWatch.install(socket, bytes -> {
      bytesRead += bytes;
      stallTimer.progress();
    });
    parser = FrameParser.on(socket, options.maxFrameSize())
      .bodyAnnouncedHandler(this::onBodyAnnounced)
      .frameHandler(this::onFrame)
      .errorHandler(this::onProtocolError)
      .endHandler(v -> onInputEnded());
    socket.drainHandler(v -> updateFlow());
    socket.exceptionHandler(e -> log.debug("Connection from {} failed: {}", socket.remoteAddress(), e.toString()));
    socket.closeHandler(v -> onClosed());
    socket.shutdownHandler(v -> drain());
    stallTimer.start();
    log.debug("Connection from {}", socket.remoteAddress());
  }

  /** Reserves the body's bytes before any is buffered: past the budget, reading waits for room. */
  private void onBodyAnnounced(int bodySize) {
    bytesParsed += Frame.HEADER_SIZE;
    ByteBudget budget = limits.bodies();
    if (bodySize > budget.max()) {
      throw new StatusException(Status.FRAME_TOO_LARGE, "frame of " + bodySize
        + " bytes exceeds the backend's buffer budget of " + budget.max() + " bytes");
    }
    announcedBody = bodySize;
    Future<Void> reserved = frameBytes.reserve(bodySize);
    if (reserved.isComplete()) {
      return;
    }
    log.debug("Connection from {} waits for room for a body of {} bytes", socket.remoteAddress(), bodySize);
    waitingForBytes = true;
    updateFlow();
    reserved.onSuccess(v -> {
      waitingForBytes = false;
      updateFlow();
    });
  }

  private void onFrame(Frame frame) {
    int bodySize = frame.body().length();
    bytesParsed += bodySize + (announcedBody < 0 ? Frame.HEADER_SIZE : 0);
    announcedBody = -1;
    heldBytes += frameBytes.handOver(); // given back when answered, or when the connection closes
    if (broken) {
      return; // frames read before the connection was found out of sync
    }
    if (frame.type() != FrameType.RESIZE_REQUEST) {
      onProtocolError(new StatusException(Status.BAD_FRAME, "expected a resize request, got a " + frame.type() + " frame"));
      return;
    }
    if (frame.requestId() == 0) {
      onProtocolError(new StatusException(Status.BAD_REQUEST, "request id 0 is reserved for connection errors"));
      return;
    }
    Request request;
    try {
      request = new Request(frame.requestId(), ResizeRequest.decode(frame.body()), bodySize, System.nanoTime());
    } catch (StatusException e) {
      // The frame itself was well delimited, so the stream is still in sync: refuse this request only.
      answer(new Request(frame.requestId(), null, bodySize, 0), ResizeResponse.failure(e.status(), options.name(), "",
        e.getMessage()));
      return;
    }
    if (request.resize().dryRun()) {
      ResizeRequest dryRun = request.resize();
      answer(request, new ResizeResponse(Status.OK, dryRun.width(), dryRun.height(), 0, dryRun.format(),
        options.name(), dryRun.name(), "", Buffer.buffer()));
      return;
    }
    if (limits.inFlight().tryAcquire() != null) {
      dispatch(request);
      return;
    }
    waitingForSlot = true;
    updateFlow();
    limits.inFlight().acquire(options.requestTimeoutMillis()).onComplete(slot -> {
      waitingForSlot = false;
      if (slot.failed()) {
        answer(request, ResizeResponse.failure(Status.BUSY, options.name(), request.name(), "backend "
          + options.name() + " has " + limits.maxInFlight() + " requests in progress and " + describe(slot.cause())));
      } else {
        dispatch(request);
      }
      updateFlow();
    });
  }

  private static String describe(Throwable refusal) {
    return refusal instanceof PermitQueue.Refused refused && !refused.timedOut()
      ? refused.waiting() + " connections waiting for one; try again later" : "none was free in time; try again later";
  }

  /** Holds one of the backend's request slots until the worker answers. */
  private void dispatch(Request request) {
    inFlight++;
    updateFlow();
    workers.send(request.resize(), request.receivedNanos()).onComplete(reply -> finish(request, reply));
  }

  private void finish(Request request, AsyncResult<Message<ResizeResponse>> reply) {
    limits.inFlight().release(PermitQueue.Permit.INSTANCE);
    inFlight--;
    answer(request, WorkerReplies.toResponse(reply, request.resize(), options));
    updateFlow();
  }

  /**
   * Writes an answer and gives back the bytes its request held; every path goes through here, so every path
   * respects the socket's write queue.
   */
  private void answer(Request request, ResizeResponse response) {
    if (closed) {
      return; // the close gave back every byte this connection held
    }
    heldBytes -= request.bytes();
    limits.bodies().release(request.bytes());
    ResizeResponse sent = response;
    Buffer frame;
    try {
      frame = response.toFrame(request.id()).encode();
    } catch (IllegalArgumentException e) {
      sent = ResizeResponse.failure(Status.INTERNAL_ERROR, options.name(), "", "cannot encode the answer: "
        + e.getMessage());
      frame = sent.toFrame(request.id()).encode();
    }
    limits.metrics().answered(request, sent, frame.length()); // before the write: a client that has it, sees it
    socket.write(frame).onFailure(this::onAnswerNotWritten);
    RequestLog.answered(request, response, socket.remoteAddress());
    updateFlow();
  }

  /** An answer not written on an open connection (no direct memory, say): closing tells its client at once. */
  private void onAnswerNotWritten(Throwable failure) {
    if (closed || !((NetSocketInternal) socket).channelHandlerContext().channel().isActive()) {
      return; // the connection closed with answers still queued: nobody is waiting for them
    }
    log.warn("Closing connection from {}: an answer could not be written: {}", socket.remoteAddress(),
      failure.toString());
    socket.close();
  }

  /** The backend is stopping: read no more requests, answer those in progress, then close. */
  private void drain() {
    draining = true;
    updateFlow();
  }

  /** Pauses reading while any reason to holds; ends the connection once it is stopping or ended and idle. */
  private void updateFlow() {
    // After the FIN, every byte read must have been parsed and answered: frames may still wait in the parser.
    boolean finished = draining || (inputEnded && bytesRead == bytesParsed);
    if (finished && inFlight == 0 && !waitingForSlot && !closed && !broken) {
      socket.end();
      return;
    }
    boolean mustPause = broken || draining || waitingForBytes || waitingForSlot
      || inFlight >= options.maxInFlightPerConnection() || socket.writeQueueFull();
    if (mustPause && !paused) {
      paused = true;
      parser.pause();
    } else if (!mustPause && paused) {
      paused = false;
      stallTimer.progress(); // the client was waiting for us: its time starts now
      parser.resume();
    }
  }

  private StallTimer.State stallState() {
    if (paused || inFlight > 0 || inputEnded) {
      return StallTimer.State.WAITING;
    }
    return parser.inFrame() ? StallTimer.State.RECEIVING : StallTimer.State.IDLE;
  }

  private void onStall(StallTimer.State state) {
    if (state == StallTimer.State.IDLE) {
      log.debug("Closing connection from {}: idle for {} s", socket.remoteAddress(), options.idleTimeoutSeconds());
      socket.close();
      return;
    }
    long received = bytesRead - bytesParsed;
    onProtocolError(new StatusException(Status.TIMEOUT, "no body bytes for " + stallTimer.sinceProgressMillis()
      + " ms: " + received + " of " + announcedBody + " received; the frame is dropped"));
  }

  /**
   * A broken frame leaves the stream out of sync: say why in an error frame (request id 0), then close. The
   * frame's bytes go back first: a client that sees the close finds them back in the budget.
   */
  private void onProtocolError(StatusException e) {
    log.info("Closing connection from {}: {}", socket.remoteAddress(), e.getMessage());
    broken = true;
    updateFlow(); // pauses for good
    frameBytes.drop();
    if (!closed) {
      socket.write(ResizeResponse.failure(e.status(), options.name(), "", e.getMessage()).toFrame(0).encode());
      socket.end();
    }
  }

  /** Every byte sent before the client's FIN has been read (called again as paused frames are let through). */
  private void onInputEnded() {
    if (!inputEnded && parser.inFrame()) {
      log.info("Connection from {} ended in the middle of a frame", socket.remoteAddress());
    }
    inputEnded = true;
    updateFlow();
  }

  /** Gives back every byte still held (a waiting reservation is withdrawn) and frees what was left unread. */
  private void onClosed() {
    closed = true;
    stallTimer.stop();
    frameBytes.drop();
    limits.bodies().release(heldBytes);
    heldBytes = 0;
    discardUnread();
    log.debug("Connection from {} closed", socket.remoteAddress());
  }

  /**
   * Vert.x 5.0.10 keeps what a paused socket read (Netty's pooled buffers among it) until it is resumed, and does
   * not free it on close: resuming into a handler that drops it does, so nothing leaks.
   */
  private void discardUnread() {
    socket.handler(ignored -> { });
    socket.endHandler(null);
    socket.resume();
  }
}
