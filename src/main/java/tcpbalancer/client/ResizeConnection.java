package tcpbalancer.client;

import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.FrameParser;
import tcpbalancer.protocol.FrameType;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;
import tcpbalancer.protocol.StatusException;

/**
 * The client side of one connection to a backend (directly or through the proxy). Requests are pipelined:
 * {@link #send} writes at once and returns a future completed by the answer with the same request id,
 * whatever order answers come in. When the connection fails or closes, every pending request fails with a
 * {@link StatusException}, so a caller can send them again elsewhere. A caller that keeps a window of requests
 * on it counts them here too ({@link #requestTaken}, {@link #requestSettled}) and marks it {@link #abandon
 * abandoned} once it has replaced it.
 *
 * <p>Use it from the event loop of the context that connected it.
 */
public final class ResizeConnection {

  private final NetSocket socket;
  private final Vertx vertx;
  private final long requestTimeoutMillis;
  /** In the order they were sent: the first is the oldest, whose deadline comes first. */
  private final Map<Long, Pending> pending = new LinkedHashMap<>();
  private long nextRequestId = 1;
  private long bytesSent;
  private long bytesReceived;
  private boolean closed;
  /** One timer per connection, not per request: it fires at the oldest pending request's deadline. */
  private long timeoutTimer = -1;
  /**
   * The largest frame gathered while corking. Corking saves a system call per small frame; a larger one is written
   * on its own, without being copied into the batch (a window of large images gathered in one buffer would take
   * that buffer, and then as much direct memory for the write's copy, all at once).
   */
  static final int MAX_CORKED_FRAME_BYTES = 64 * 1024;
  /** Between {@link #cork} and {@link #uncork}: small frames are gathered in {@link #corked}, not written. */
  private boolean corking;
  /** The frames gathered while corking, or null when there are none. */
  private Buffer corked;
  /**
   * Requests a caller has taken for this connection and not yet settled: wider than {@link #pending}, as it counts
   * those still being prepared (an image being read).
   */
  private int inFlight;
  /** Set once a caller has given this connection up (and replaced it): it sends nothing more on it. */
  private boolean abandoned;

  private record Pending(Promise<ResizeResponse> answer, long deadlineNanos) {
  }

  private ResizeConnection(NetSocket socket, int maxFrameSize, Vertx vertx, long requestTimeoutMillis) {
    this.socket = socket;
    this.vertx = vertx;
    this.requestTimeoutMillis = requestTimeoutMillis;
    FrameParser.on(socket, maxFrameSize)
      .frameHandler(this::onFrame)
      .errorHandler(e -> failAll(e.status(), "bad answer from " + socket.remoteAddress() + ": " + e.getMessage(), true));
    socket.exceptionHandler(e -> failAll(Status.INTERNAL_ERROR, "connection to " + socket.remoteAddress() + " failed: " + e, true));
    socket.closeHandler(v -> failAll(Status.INTERNAL_ERROR, "connection to " + socket.remoteAddress() + " closed", false));
  }

  public static Future<ResizeConnection> connect(NetClient client, SocketAddress address, int maxFrameSize) {
    return client.connect(address).map(socket -> new ResizeConnection(socket, maxFrameSize, null, 0));
  }

  /**
   * Like {@link #connect(NetClient, SocketAddress, int)}, and a request not answered within
   * {@code requestTimeoutMillis} breaks the connection: every pending request fails, so it can be sent elsewhere
   * (answers on one connection cannot be skipped, so the connection as a whole is given up).
   */
  public static Future<ResizeConnection> connect(Vertx vertx, NetClient client, SocketAddress address,
                                                 int maxFrameSize, long requestTimeoutMillis) {
    return client.connect(address).map(socket -> over(vertx, socket, maxFrameSize, requestTimeoutMillis));
  }

  /** The client side of a connection already open on {@code socket}, as the time-limited {@code connect} makes it. */
  static ResizeConnection over(Vertx vertx, NetSocket socket, int maxFrameSize, long requestTimeoutMillis) {
    return new ResizeConnection(socket, maxFrameSize, vertx, requestTimeoutMillis);
  }

  /** Sends one request; the future completes with its answer, which may be a refusal ({@code !ok()}). */
  public Future<ResizeResponse> send(ResizeRequest request) {
    if (closed) {
      return Future.failedFuture(new StatusException(Status.INTERNAL_ERROR, "connection is closed"));
    }
    long requestId = nextRequestId;
    nextRequestId = requestId == Frame.MAX_REQUEST_ID ? 1 : requestId + 1; // 0 is reserved for connection errors
    Promise<ResizeResponse> answer = Promise.promise();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(requestTimeoutMillis);
    pending.put(requestId, new Pending(answer, deadline));
    if (vertx != null && timeoutTimer < 0) {
      armTimeout(requestTimeoutMillis);
    }
    Buffer[] parts = request.toFrameParts(requestId);
    int frameBytes = parts[0].length() + parts[1].length();
    bytesSent += frameBytes;
    if (corking && frameBytes <= MAX_CORKED_FRAME_BYTES) {
      if (corked == null) {
        corked = Buffer.buffer();
      }
      corked.appendBuffer(parts[0]).appendBuffer(parts[1]);
    } else {
      writeCorked(); // what was gathered before it goes first
      write(gathered(parts[0], parts[1]));
    }
    return answer.future();
  }

  /**
   * Header and image as one buffer that refers to both, not a copy of them: an image is copied once, by Netty into
   * the socket's direct buffer, and the frame goes out in one write.
   */
  private static Buffer gathered(Buffer head, Buffer image) {
    if (image.length() == 0) {
      return head;
    }
    return BufferInternal.buffer(Unpooled.wrappedBuffer(2, ((BufferInternal) head).getByteBuf(),
      ((BufferInternal) image).getByteBuf()));
  }

  /**
   * Gathers the frames of the following {@link #send}s until {@link #uncork}, which writes them at once. Outside a
   * read handler each write is its own system call (and its own TCP segment), so a batch of requests, such as a
   * new connection's first window, goes out far cheaper corked.
   */
  public void cork() {
    corking = true;
  }

  /** Writes the frames gathered since {@link #cork} in one write. */
  public void uncork() {
    corking = false;
    writeCorked();
  }

  private void writeCorked() {
    Buffer frames = corked;
    corked = null;
    if (frames != null && !closed) {
      write(frames);
    }
  }

  /**
   * Writes request frames; if they cannot be written (say, no direct memory left to copy them into), the requests
   * pending on this connection fail at once, with the reason, rather than at their time-out as unanswered.
   */
  private void write(Buffer frames) {
    socket.write(frames).onFailure(e -> failAll(Status.INTERNAL_ERROR, "cannot send requests to "
      + socket.remoteAddress() + ": " + e, true));
  }

  /** Requests taken by the caller and not yet settled; see {@link #requestTaken}. */
  int inFlight() {
    return inFlight;
  }

  /** The caller has taken a request for this connection (it may still be preparing it). */
  void requestTaken() {
    inFlight++;
  }

  /** A request taken for this connection is over: answered, failed, or never sent. */
  void requestSettled() {
    inFlight--;
  }

  /** Marks the connection given up; false if it already was, so only the first caller replaces it. */
  boolean abandon() {
    if (abandoned) {
      return false;
    }
    abandoned = true;
    return true;
  }

  boolean abandoned() {
    return abandoned;
  }

  public Future<Void> close() {
    return socket.close();
  }

  /** Bytes of every frame sent on this connection. */
  public long bytesSent() {
    return bytesSent;
  }

  /** Bytes of every frame received on this connection. */
  public long bytesReceived() {
    return bytesReceived;
  }

  private void onFrame(Frame frame) {
    bytesReceived += Frame.HEADER_SIZE + frame.body().length();
    if (frame.type() != FrameType.RESIZE_RESPONSE) {
      failAll(Status.BAD_FRAME, "expected an answer from " + socket.remoteAddress() + ", got a " + frame.type(), true);
      return;
    }
    ResizeResponse response;
    try {
      response = ResizeResponse.decode(frame.body());
    } catch (StatusException e) {
      failAll(e.status(), "bad answer from " + socket.remoteAddress() + ": " + e.getMessage(), true);
      return;
    }
    if (frame.requestId() == 0) {
      failAll(response.status(), socket.remoteAddress() + " closed the connection: " + response.message(), true);
      return;
    }
    Pending answer = pending.remove(frame.requestId());
    if (answer == null) {
      failAll(Status.BAD_FRAME, socket.remoteAddress() + " answered request " + frame.requestId()
        + ", which is not pending", true);
      return;
    }
    answer.answer().complete(response);
  }

  private void armTimeout(long delayMillis) {
    timeoutTimer = vertx.setTimer(delayMillis, id -> {
      timeoutTimer = -1;
      checkTimeout();
    });
  }

  /** Fails everything if the oldest pending request is past its deadline; else waits for that deadline. */
  private void checkTimeout() {
    if (closed || pending.isEmpty()) {
      return;
    }
    long left = pending.values().iterator().next().deadlineNanos() - System.nanoTime();
    if (left <= 0) {
      failAll(Status.TIMEOUT, "no answer from " + socket.remoteAddress() + " within " + requestTimeoutMillis + " ms",
        true);
    } else {
      armTimeout(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
    }
  }

  private void failAll(Status status, String message, boolean closeSocket) {
    closed = true;
    if (timeoutTimer >= 0) {
      vertx.cancelTimer(timeoutTimer);
      timeoutTimer = -1;
    }
    List<Pending> failed = new ArrayList<>(pending.values());
    pending.clear();
    for (Pending request : failed) {
      request.answer().tryFail(new StatusException(status, message));
    }
    if (closeSocket) {
      socket.close();
    }
  }
}
