package tcpbalancer.proxy.requests;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.FrameParser;
import tcpbalancer.protocol.FrameType;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;

/**
 * A stand-in for a tcpbalancer backend on loopback that answers every request, in any number at once, with a
 * status and its own name, after a delay; its answers may carry an image of a given size. It can be killed as a
 * process dies: its server and every connection close at once, answers still due are never sent.
 */
final class ScriptedBackend {

  private final Vertx vertx;
  private final String name;
  private final NetServer server;
  private final Set<NetSocket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicInteger received = new AtomicInteger();
  private volatile Status status = Status.OK;
  private volatile long delayMillis;
  private volatile int answerBytes;
  private volatile int killAt = -1;
  /** Promises of request counts awaited, completed when that many requests have arrived. */
  private final Map<Integer, Promise<Void>> awaited = new ConcurrentHashMap<>();
  private final AtomicLong bytesReceived = new AtomicLong();
  private volatile long bytesAwaited = -1;
  private final Promise<Void> bytesReached = Promise.promise();
  private volatile long killAtBytes = -1;
  /** While set and not complete, answers wait for it. */
  private volatile Promise<Void> gate;
  private volatile Buffer lastBody;
  private volatile boolean answersAsRequests;

  private ScriptedBackend(Vertx vertx, String name) {
    this.vertx = vertx;
    this.name = name;
    this.server = vertx.createNetServer().connectHandler(this::serve);
  }

  static Future<ScriptedBackend> start(Vertx vertx, String name) {
    ScriptedBackend backend = new ScriptedBackend(vertx, name);
    return backend.server.listen(0, "127.0.0.1").map(backend);
  }

  ScriptedBackend delay(long millis) {
    delayMillis = millis;
    return this;
  }

  ScriptedBackend answering(Status answer) {
    status = answer;
    return this;
  }

  /** Each OK answer carries an image of {@code bytes} bytes. */
  ScriptedBackend answerBytes(int bytes) {
    answerBytes = bytes;
    return this;
  }

  /** Sends each answer back framed as a request (with its body): a backend that is not one, or out of sync. */
  ScriptedBackend answeringAsRequests() {
    answersAsRequests = true;
    return this;
  }

  /** Dies (as {@link #kill}) when its {@code n}-th request arrives, with the requests before it in flight. */
  ScriptedBackend killAtRequest(int n) {
    killAt = n;
    return this;
  }

  /** Completes once {@code n} bytes (headers and bodies) have arrived over all its connections. */
  Future<Void> whenBytesReceived(long n) {
    bytesAwaited = n;
    return bytesReached.future();
  }

  /** Dies (as {@link #kill}) once {@code n} bytes have arrived, in the middle of a frame if one is coming. */
  ScriptedBackend killAtBytes(long n) {
    killAtBytes = n;
    return this;
  }

  /** Holds every answer back until {@link #releaseAnswers}. */
  ScriptedBackend holdAnswers() {
    gate = Promise.promise();
    return this;
  }

  void releaseAnswers() {
    gate.tryComplete();
  }

  /** Completes when its {@code n}-th request has arrived (at once if it has already). */
  Future<Void> whenReceived(int n) {
    Promise<Void> reached = awaited.computeIfAbsent(n, key -> Promise.promise());
    if (received.get() >= n) {
      reached.tryComplete();
    }
    return reached.future();
  }

  private void serve(NetSocket socket) {
    sockets.add(socket);
    socket.closeHandler(v -> sockets.remove(socket));
    FrameParser parser = FrameParser.create(Frame.DEFAULT_MAX_BODY_SIZE);
    socket.handler(bytes -> {
      long total = bytesReceived.addAndGet(bytes.length());
      if (bytesAwaited >= 0 && total >= bytesAwaited) {
        bytesReached.tryComplete();
      }
      if (killAtBytes >= 0 && total >= killAtBytes) {
        kill();
      }
      if (status != null) {
        parser.handle(bytes);
      }
    });
    parser.frameHandler(frame -> {
      lastBody = frame.body();
      int count = received.incrementAndGet();
      Promise<Void> reached = awaited.get(count);
      if (reached != null) {
        reached.tryComplete();
      }
      if (count == killAt) {
        kill();
      }
      Status answer = status;
      if (answer == null) { // killed
        return;
      }
      Buffer image = answer == Status.OK ? Buffer.buffer(new byte[answerBytes]) : Buffer.buffer();
      Frame response = new ResizeResponse(answer, 1, 1, 0, answer == Status.OK ? "jpeg" : "", name, "",
        answer == Status.OK ? "" : name + " says " + answer.label(), image).toFrame(frame.requestId());
      Buffer encoded = (answersAsRequests ? new Frame(FrameType.RESIZE_REQUEST, response.requestId(), response.body())
        : response).encode();
      Promise<Void> held = gate;
      if (held != null) {
        held.future().onComplete(v -> socket.write(encoded));
      } else if (delayMillis == 0) {
        socket.write(encoded);
      } else {
        vertx.setTimer(delayMillis, id -> socket.write(encoded));
      }
    });
  }

  /** The body of the last request it received. */
  Buffer lastBody() {
    return lastBody;
  }

  /** Requests it received so far. */
  int received() {
    return received.get();
  }

  String name() {
    return name;
  }

  String address() {
    return "127.0.0.1:" + server.actualPort();
  }

  /** Dies: no more connections accepted, every open one closed, nothing more answered. */
  Future<Void> kill() {
    status = null;
    sockets.forEach(NetSocket::close);
    return server.close();
  }
}
