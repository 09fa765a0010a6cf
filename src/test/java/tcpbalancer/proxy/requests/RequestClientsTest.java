package tcpbalancer.proxy.requests;

import static org.assertj.core.api.Assertions.assertThat;
import static tcpbalancer.proxy.requests.RequestBalancingTest.assertAllOk;
import static tcpbalancer.proxy.requests.RequestBalancingTest.backends;
import static tcpbalancer.proxy.requests.RequestBalancingTest.onEventLoop;
import static tcpbalancer.proxy.requests.RequestBalancingTest.proxy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.FrameParser;
import tcpbalancer.protocol.FrameType;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;

/** Request mode with clients that misbehave: the others are served as if nothing happened. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class RequestClientsTest {

  private NetClient client;

  @BeforeEach
  void createClient(Vertx vertx) {
    client = vertx.createNetClient();
  }

  /** What a client that sent {@code bytes} got: the first frame back, and that the proxy then closed. */
  private record Refusal(Frame frame, boolean closed) {
  }

  private Future<Refusal> send(int port, Buffer bytes) {
    return client.connect(port, "127.0.0.1").compose(socket -> {
      Promise<Frame> first = Promise.promise();
      Promise<Void> closed = Promise.promise();
      FrameParser.on(socket, Frame.DEFAULT_MAX_BODY_SIZE).frameHandler(first::tryComplete);
      socket.closeHandler(v -> closed.complete());
      socket.write(bytes);
      return Future.all(first.future(), closed.future()).map(v -> new Refusal(first.future().result(), true));
    });
  }

  private static void assertRefused(Refusal refusal, Status status, String why) {
    assertThat(refusal.closed()).isTrue();
    assertThat(refusal.frame().requestId()).isZero();
    ResizeResponse answer = ResizeResponse.decode(refusal.frame().body());
    assertThat(answer.status()).isEqualTo(status);
    assertThat(answer.message()).contains(why);
  }

  private static Buffer header(int magic, int version, int type, long id, long bodyLength) {
    return Buffer.buffer().appendUnsignedShort(magic).appendUnsignedByte((short) version)
      .appendUnsignedByte((short) type).appendUnsignedInt(id).appendUnsignedInt(bodyLength);
  }

  @Test
  void badFramesCloseTheirClientOnly(Vertx vertx) {
    List<ScriptedBackend> backends = backends(vertx, "b1", "b2", "b3");
    backends.forEach(backend -> backend.delay(2));
    int port = proxy(vertx, backends).actualPort();
    Buffer dryRun = new ResizeRequest("a.jpg", "jpeg", 10, 10, ResizeMode.FIT, true, Buffer.buffer()).encode();

    var others = onEventLoop(vertx, () -> {
      var served = FrameClient.run(client, port, 300, 8, 100);
      var garbage = send(port, Buffer.buffer("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
      var version = send(port, header(Frame.MAGIC, 2, 1, 1, 0));
      var answerType = send(port, header(Frame.MAGIC, 1, 2, 1, 0));
      var idZero = send(port, header(Frame.MAGIC, 1, 1, 0, dryRun.length()).appendBuffer(dryRun));
      var tooLarge = send(port, header(Frame.MAGIC, 1, 1, 7, Frame.DEFAULT_MAX_BODY_SIZE + 1L));
      return Future.all(List.of(served, garbage, version, answerType, idZero, tooLarge)).map(all -> all.list());
    });

    assertAllOk(cast(others.get(0)), 300);
    assertRefused((Refusal) others.get(1), Status.BAD_FRAME, "bad magic");
    assertRefused((Refusal) others.get(2), Status.BAD_FRAME, "unsupported protocol version 2");
    assertRefused((Refusal) others.get(3), Status.BAD_FRAME, "not frames of type RESIZE_RESPONSE");
    assertRefused((Refusal) others.get(4), Status.BAD_REQUEST, "request id 0 is reserved");
    assertRefused((Refusal) others.get(5), Status.FRAME_TOO_LARGE, "exceeds the limit");
  }

  /** socat, a client nobody here wrote, sends a line of text: it gets an error frame and the proxy hangs up. */
  @Test
  void socatSendingTextGetsAnErrorFrameAndIsClosed(Vertx vertx) throws Exception {
    int port = proxy(vertx, backends(vertx, "b1")).actualPort();
    Process socat = new ProcessBuilder("socat", "-t", "1", "-", "TCP:127.0.0.1:" + port).start();
    socat.getOutputStream().write("HELLO proxy, this is not a frame\n".getBytes(StandardCharsets.US_ASCII));
    socat.getOutputStream().flush(); // stdin stays open: socat ends (1 s after) only because the proxy closes

    byte[] answer = socat.getInputStream().readAllBytes();
    assertThat(socat.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(socat.exitValue()).isZero();
    List<Frame> frames = new java.util.ArrayList<>();
    FrameParser.create(Frame.DEFAULT_MAX_BODY_SIZE).frameHandler(frames::add).handle(Buffer.buffer(answer));
    assertThat(frames).hasSize(1);
    Frame frame = frames.get(0);
    assertThat(frame.requestId()).isZero();
    assertThat(ResizeResponse.decode(frame.body()).status()).isEqualTo(Status.BAD_FRAME);
  }

  @SuppressWarnings("unchecked")
  private static java.util.Map<Long, ResizeResponse> cast(Object answers) {
    return (java.util.Map<Long, ResizeResponse>) answers;
  }

  /**
   * The stalled client's receive buffer is small and the proxy reports when it stops reading it for good (paused
   * on a full write queue, all it read answered), so the kernel and the proxy hold no more of its requests when the
   * backends' count is read.
   */
  @Test
  void aClientThatStopsReadingIsPausedAndTheOthersAreServed(Vertx vertx) {
    List<ScriptedBackend> backends = backends(vertx, "b1", "b2", "b3");
    backends.forEach(backend -> backend.answerBytes(64 * 1024)); // answers far larger than the requests
    int port = proxy(vertx, backends).actualPort();
    int queued = 2000;
    Buffer body = new ResizeRequest("big.jpg", "jpeg", 10, 10, ResizeMode.FIT, true,
      Buffer.buffer(new byte[16 * 1024])).encode();
    NetClient smallBuffers = vertx.createNetClient(new NetClientOptions().setReceiveBufferSize(4096));
    AtomicInteger stalledPort = new AtomicInteger(-1);
    Promise<Void> stoppedReading = Promise.promise();
    ClientSession.waitingForItsReader = address -> {
      if (address.port() == stalledPort.get()) {
        stoppedReading.tryComplete();
      }
    };

    Buffer requests = Buffer.buffer(); // 32 MB built here, not on an event loop
    for (int id = 1; id <= queued; id++) {
      requests.appendBuffer(new Frame(FrameType.RESIZE_REQUEST, id, body).encode());
    }

    NetSocket stalled = onEventLoop(vertx, () -> smallBuffers.connect(port, "127.0.0.1").map(socket -> {
      stalledPort.set(socket.localAddress().port());
      socket.handler(ignored -> { });
      socket.pause(); // never reads an answer
      socket.write(requests);
      return socket;
    }));
    assertAllOk(onEventLoop(vertx, () -> FrameClient.run(client, port, 100, 4, 100)), 100);
    stoppedReading.future().await();
    int before = received(backends);
    assertAllOk(onEventLoop(vertx, () -> FrameClient.run(client, port, 100, 4, 100)), 100);
    int after = received(backends);

    assertThat(before).as("the proxy stopped reading the stalled client").isLessThan(queued + 100);
    assertThat(after - before).as("nothing more of the stalled client's got through").isEqualTo(100);
    // Reading again lets its requests through (a close would wait for them to be written first).
    vertx.runOnContext(v -> stalled.resume());
  }

  @AfterEach
  void forgetTheObserver() {
    ClientSession.waitingForItsReader = address -> { };
  }

  private static int received(List<ScriptedBackend> backends) {
    return backends.stream().mapToInt(ScriptedBackend::received).sum();
  }
}
