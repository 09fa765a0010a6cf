package tcpbalancer.proxy.requests;

import io.netty.util.collection.LongObjectHashMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.protocol.FrameHeader;
import tcpbalancer.protocol.FrameType;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;
import tcpbalancer.protocol.StatusException;
import tcpbalancer.proxy.EndReason;
import tcpbalancer.proxy.UpstreamState;

/**
 * One client connection in request mode: it reads the client's frames as a {@link FrameStream} (checking the
 * header only), hands each request to the {@link BackendPool} as soon as its header came, relays its body piece by
 * piece to the backend connection the request went to, and writes each answer back under the client's own id.
 *
 * <p>It stops reading the client while any of these holds: a request of its waits for room at a backend, the
 * connection its body goes to cannot take more yet (connecting, or a full write queue), its next request would
 * pass {@link PoolSizing#CLIENT_RESEND_BUDGET}, its answers cannot be written (a full write queue; not in the middle
 * of a body, which holds a shared backend connection), or the proxy is stopping. A client that sends nothing for
 * {@link PoolSizing#BODY_STALL_MILLIS} in the middle of a body that holds a backend connection gets an error frame
 * of id 0 ({@code TIMEOUT}) and is closed, as is that backend connection (its other requests are resent). A bad
 * frame gets an error frame of id 0 and closes this connection only. Runs on the event loop that accepted it.
 */
final class ClientSession implements FrameStream.Listener {

  private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
  /**
   * Told the client's address, on its event loop, while a session reads nothing more until its client reads: paused
   * on a full write queue with every request it read answered. Tests wait for it (a stalled reader's steady state).
   */
  static volatile Consumer<SocketAddress> waitingForItsReader = address -> { };

  private final NetSocket socket;
  private final BackendPool pool;
  private final String proxyName;
  private final RequestAccessEntry access;
  private final Runnable onClosed;
  private final FrameStream frames;
  private final FrameWriter writer;
  /** The client's requests not yet answered, by id: a reused id is refused; each is released once it ends. */
  private final LongObjectHashMap<ProxiedRequest> pending = new LongObjectHashMap<>();
  private long bytesHeld;
  /** The request whose body is being read, or null between frames. */
  private ProxiedRequest current;
  /** A request that waits for answers to free room in the resend budget before it is sent. */
  private ProxiedRequest overBudget;
  private long lastBodyProgress;
  private long stallTimer = -1;
  private int waiting;
  private boolean paused;
  private boolean draining;
  private boolean closed;

  ClientSession(NetSocket socket, BackendPool pool, String proxyName, RequestAccessEntry access,
                Runnable onClosed) {
    this.socket = socket;
    this.pool = pool;
    this.proxyName = proxyName;
    this.access = access;
    this.onClosed = onClosed;
    this.frames = new FrameStream(new RawReads(socket, pool.flushBatch()), PoolSizing.MAX_FRAME_SIZE, this);
    this.writer = new FrameWriter(socket, pool.flushBatch());
  }

  void start() {
    socket.closeHandler(v -> socketClosed());
    socket.exceptionHandler(e -> log.debug("Client {}: {}", socket.remoteAddress(), e.getMessage()));
    socket.drainHandler(v -> updateReading());
    socket.shutdownHandler(v -> drain());
    socket.resume();
  }

  boolean closed() {
    return closed;
  }

  @Override
  public void header(FrameHeader header, Buffer bodyStart) {
    if (header.type() != FrameType.RESIZE_REQUEST || header.requestId() == 0
      || pending.containsKey(header.requestId())) {
      FrameStream.release(bodyStart);
    }
    if (header.type() != FrameType.RESIZE_REQUEST) {
      refuse(Status.BAD_FRAME, "a client sends resize requests (type 1), not frames of type " + header.type());
    } else if (header.requestId() == 0) {
      refuse(Status.BAD_REQUEST, "request id 0 is reserved for connection-level errors");
    } else if (pending.containsKey(header.requestId())) {
      refuse(Status.BAD_REQUEST, "request id " + header.requestId() + " is still pending: an id is reused only "
        + "after its answer");
    } else {
      ProxiedRequest request = new ProxiedRequest(this, header.requestId(), header.bodySize());
      pending.put(request.clientId, request);
      access.received();
      request.bodyArrived(bodyStart); // before it is sent: a frame that came whole goes out in one write
      if (!request.bodyComplete()) {
        current = request;
        lastBodyProgress = System.nanoTime();
      }
      if (bytesHeld + request.heldBytes() > PoolSizing.CLIENT_RESEND_BUDGET) {
        overBudget = request; // sent when answers free room; its body is not read meanwhile
      } else {
        submit(request);
      }
      bodyProgressed(request);
    }
  }

  /** After a piece of body (or a header): pause if need be, and watch a body that holds a shared connection. */
  private void bodyProgressed(ProxiedRequest request) {
    updateReading();
    if (current == request && stallTimer < 0 && request.holdsConnection()) {
      armStallTimer(PoolSizing.BODY_STALL_MILLIS);
    }
  }

  private void submit(ProxiedRequest request) {
    bytesHeld += request.heldBytes();
    pool.meters().held(request.heldBytes());
    pool.submit(request);
  }

  @Override
  public void body(Buffer piece, boolean last) {
    ProxiedRequest request = current;
    if (last) {
      current = null;
    }
    lastBodyProgress = System.nanoTime();
    request.bodyArrived(piece);
    bodyProgressed(request);
  }

  @Override
  public void error(StatusException e) {
    refuse(e.status(), e.getMessage());
  }

  /** The stream cannot be trusted any more: say why under id 0, then close this client only. */
  private void refuse(Status status, String why) {
    close(EndReason.BAD_FRAME, status, why);
  }

  private void close(EndReason reason, Status status, String why) {
    log.info("Closing client {}: {}", socket.remoteAddress(), why);
    access.ended(reason);
    frames.pause();
    closed = true; // its answers still to come are dropped
    socket.write(ResizeResponse.failure(status, proxyName, "", why).toFrame(0).encode());
    socket.end();
    abandonBody(why);
  }

  /** A body cut short leaves its backend connection in the middle of a frame: that connection must close. */
  private void abandonBody(String why) {
    ProxiedRequest request = current;
    current = null;
    if (request != null && request.holdsConnection()) {
      request.connection().close("a client stopped in the middle of a request's body (" + why + ")");
    }
  }

  private void armStallTimer(long millis) {
    stallTimer = pool.context().owner().setTimer(millis, id -> {
      stallTimer = -1;
      checkStall();
    });
  }

  /** One timer per client, re-armed as it fires, rather than one per piece of body. */
  private void checkStall() {
    ProxiedRequest request = current;
    if (closed || request == null || !request.holdsConnection()) {
      return;
    }
    long quietMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastBodyProgress);
    if (paused || quietMillis < PoolSizing.BODY_STALL_MILLIS) { // paused: it waits for us, it is not stalled
      armStallTimer(paused ? PoolSizing.BODY_STALL_MILLIS : PoolSizing.BODY_STALL_MILLIS - quietMillis);
      return;
    }
    close(EndReason.BODY_TIMEOUT, Status.TIMEOUT, "the body of request " + request.clientId + " made no progress for "
      + quietMillis + " ms (" + request.received() + " of " + request.bodySize + " bytes came), holding a backend "
      + "connection other clients share");
  }

  /** Its backend answered {@code request}: the answer goes back under the client's id. */
  void answer(ProxiedRequest request, Buffer body) {
    request.release();
    if (closed) {
      return;
    }
    if (!request.bodyComplete()) { // answered by the proxy before its body ended: the rest is dropped
      request.abandon();
    }
    pending.remove(request.clientId);
    bytesHeld -= request.heldBytes();
    pool.meters().held(-request.heldBytes());
    writer.write(FrameHeaders.response(writer.alloc(), request.clientId, body));
    if (overBudget != null && bytesHeld + overBudget.heldBytes() <= PoolSizing.CLIENT_RESEND_BUDGET) {
      ProxiedRequest next = overBudget;
      overBudget = null;
      submit(next);
    }
    updateReading();
  }

  /** The proxy answers {@code request} itself: no backend could. */
  void answerError(ProxiedRequest request, Status status, String why) {
    log.debug("Client {}, request {}: {}", socket.remoteAddress(), request.clientId, why);
    access.failed();
    answer(request, ResizeResponse.failure(status, proxyName, "", why).encode());
  }

  void sentTo(UpstreamState upstream) {
    access.sentTo(upstream.upstream());
  }

  void resent() {
    access.resent();
  }

  void waitStarted() {
    waiting++;
    updateReading();
  }

  void waitEnded() {
    waiting--;
    updateReading();
  }

  /** The connection its current body goes to can take more of it (it opened, or its write queue drained). */
  void bodyWritable() {
    updateReading();
  }

  /** The proxy is stopping: read no more requests (but the rest of a body), answer those in progress, then close. */
  private void drain() {
    draining = true;
    access.ended(EndReason.DRAINED);
    updateReading();
  }

  /** Pauses reading while any reason to holds; ends a draining connection once it has nothing in progress. */
  private void updateReading() {
    if (closed) {
      return;
    }
    if (draining && pending.isEmpty()) {
      closed = true;
      socket.end();
      return;
    }
    boolean mustPause = overBudget != null
      || (current == null ? draining || waiting > 0 || socket.writeQueueFull() : !current.takesBody());
    if (mustPause != paused) {
      paused = mustPause;
      if (paused) {
        frames.pause();
      } else {
        lastBodyProgress = System.nanoTime(); // the time it waited for us is not its stall
        frames.resume();
      }
    }
    if (paused && pending.isEmpty() && socket.writeQueueFull()) {
      waitingForItsReader.accept(socket.remoteAddress());
    }
  }

  private void socketClosed() {
    closed = true;
    if (stallTimer >= 0) {
      pool.context().owner().cancelTimer(stallTimer);
      stallTimer = -1;
    }
    abandonBody("it closed");
    frames.discard();
    pending.values().forEach(ProxiedRequest::release); // requests still out there keep nothing of its bodies
    pool.meters().held(-bytesHeld);
    access.write();
    onClosed.run();
  }
}
