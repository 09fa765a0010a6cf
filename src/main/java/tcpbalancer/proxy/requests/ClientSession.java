package tcpbalancer.proxy.requests;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.FrameParser;
import tcpbalancer.protocol.FrameType;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;
import tcpbalancer.protocol.StatusException;
import tcpbalancer.proxy.UpstreamState;
import tcpbalancer.proxy.EndReason;

/**
 * One client connection in request mode: it cuts the client's bytes into frames (checking the header only),
 * hands each request to the {@link BackendPool}, and writes each answer back under the client's own id.
 *
 * <p>It stops reading the client while any of these holds: a request of its waits for room at a backend, its
 * requests held for resending would pass {@link PoolSizing#CLIENT_BYTE_BUDGET}, its answers cannot be written
 * (a full write queue), or the proxy is stopping. A bad frame gets an error frame of id 0 and closes this
 * connection only. Runs on the event loop that accepted it.
 */
final class ClientSession {

  private static final Logger log = LoggerFactory.getLogger(ClientSession.class);

  private final NetSocket socket;
  private final BackendPool pool;
  private final String proxyName;
  private final RequestAccessEntry access;
  private final Runnable onClosed;
  private final FrameParser parser;
  /** Ids of the client's requests not yet answered: a reused one is refused. */
  private final Set<Long> pending = new HashSet<>();
  private long bytesHeld;
  /** The body size of the frame being read, from its header; 0 between frames. */
  private int announced;
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
    this.parser = FrameParser.on(socket, PoolSizing.MAX_FRAME_SIZE);
  }

  void start() {
    parser.frameHandler(this::request).errorHandler(this::badFrame).bodyAnnouncedHandler(size -> {
      announced = size;
      updateReading();
    });
    socket.closeHandler(v -> socketClosed());
    socket.exceptionHandler(e -> log.debug("Client {}: {}", socket.remoteAddress(), e.getMessage()));
    socket.drainHandler(v -> updateReading());
    socket.shutdownHandler(v -> drain());
    socket.resume();
  }

  boolean closed() {
    return closed;
  }

  private void request(Frame frame) {
    announced = 0;
    if (frame.type() != FrameType.RESIZE_REQUEST) {
      refuse(Status.BAD_FRAME, "a client sends resize requests (type 1), not frames of type " + frame.type());
    } else if (frame.requestId() == 0) {
      refuse(Status.BAD_REQUEST, "request id 0 is reserved for connection-level errors");
    } else if (!pending.add(frame.requestId())) {
      refuse(Status.BAD_REQUEST, "request id " + frame.requestId() + " is still pending: an id is reused only "
        + "after its answer");
    } else {
      ProxiedRequest request = new ProxiedRequest(this, frame.requestId(), frame.body());
      bytesHeld += request.size();
      access.received();
      pool.submit(request);
      updateReading();
    }
  }

  private void badFrame(StatusException e) {
    refuse(e.status(), e.getMessage());
  }

  /** The stream cannot be trusted any more: say why under id 0, then close this client only. */
  private void refuse(Status status, String why) {
    log.info("Closing client {}: {}", socket.remoteAddress(), why);
    access.ended(EndReason.BAD_FRAME);
    parser.pause();
    closed = true; // its answers still to come are dropped
    socket.write(ResizeResponse.failure(status, proxyName, "", why).toFrame(0).encode());
    socket.end();
  }

  /** Its backend answered {@code request}: the answer goes back under the client's id. */
  void answer(ProxiedRequest request, Buffer body) {
    if (closed) {
      return;
    }
    pending.remove(request.clientId);
    bytesHeld -= request.size();
    socket.write(FrameHeaders.frame(FrameType.RESIZE_RESPONSE, request.clientId, body));
    updateReading();
  }

  /** The proxy answers {@code request} itself: no backend could. */
  void answerError(ProxiedRequest request, Status status, String why) {
    log.debug("Client {}, request {}: {}", socket.remoteAddress(), request.clientId, why);
    access.failed();
    answer(request, ResizeResponse.failure(status, proxyName, "", why).encode());
  }

  void sentTo(UpstreamState upstream) {
    access.sentTo(upstream.upstream().address());
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

  /** The proxy is stopping: read no more requests, answer those in progress, then close. */
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
    boolean mustPause = draining || waiting > 0 || socket.writeQueueFull()
      || announced > 0 && bytesHeld + Frame.HEADER_SIZE + announced > PoolSizing.CLIENT_BYTE_BUDGET;
    if (mustPause != paused) {
      paused = mustPause;
      if (paused) {
        parser.pause();
      } else {
        parser.resume();
      }
    }
  }

  private void socketClosed() {
    closed = true;
    access.write();
    onClosed.run();
  }
}
