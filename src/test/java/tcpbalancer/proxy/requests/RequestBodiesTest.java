package tcpbalancer.proxy.requests;

import static org.assertj.core.api.Assertions.assertThat;
import static tcpbalancer.proxy.requests.RequestBalancingTest.assertAllOk;
import static tcpbalancer.proxy.requests.RequestBalancingTest.backends;
import static tcpbalancer.proxy.requests.RequestBalancingTest.config;
import static tcpbalancer.proxy.requests.RequestBalancingTest.onEventLoop;
import static tcpbalancer.proxy.requests.RequestBalancingTest.proxy;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tcpbalancer.admin.Metrics;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.FrameParser;
import tcpbalancer.protocol.FrameType;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;
import tcpbalancer.proxy.ProxyVerticle;
import tcpbalancer.testing.MetricsVertx;

/** Request mode relays bodies as they come, keeps a bounded amount per client, and bounds a client that stalls. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class RequestBodiesTest {

  private static final int PIECE = 1024;

  private NetClient client;

  @BeforeEach
  void createClient(Vertx vertx) {
    client = vertx.createNetClient();
  }

  /** A client connection that writes by hand and collects the frames that come back, by request id. */
  private static final class RawClient {
    private final Map<Long, Promise<Frame>> answers = new ConcurrentHashMap<>();
    private final Promise<Void> closed = Promise.promise();
    private NetSocket socket;

    static Future<RawClient> connect(NetClient client, int port) {
      RawClient raw = new RawClient();
      return client.connect(port, "127.0.0.1").map(socket -> {
        raw.socket = socket;
        FrameParser.on(socket, Frame.DEFAULT_MAX_BODY_SIZE).frameHandler(frame -> raw.answer(frame.requestId())
          .tryComplete(frame));
        socket.closeHandler(v -> raw.closed.tryComplete());
        return raw;
      });
    }

    Promise<Frame> answer(long id) {
      return answers.computeIfAbsent(id, key -> Promise.promise());
    }

    /** Writes {@code bytes} from {@code start} to {@code end} in pieces of {@link #PIECE} bytes. */
    void writeInPieces(Buffer bytes, int start, int end) {
      for (int at = start; at < end; at += PIECE) {
        socket.write(bytes.slice(at, Math.min(end, at + PIECE)));
      }
    }
  }

  private static Buffer requestFrame(long id, int imageBytes) {
    byte[] image = new byte[imageBytes];
    for (int i = 0; i < image.length; i++) {
      image[i] = (byte) (i * 31 + 7); // not all zeros: a piece out of place would show
    }
    // as FrameClient encodes its requests
    Buffer body = new ResizeRequest("test.jpg", "jpeg", 10, 10, ResizeMode.FIT, true, Buffer.buffer(image)).encode();
    return new Frame(FrameType.RESIZE_REQUEST, id, body).encode();
  }

  @Test
  void aBodyArrivingInSmallPiecesReachesItsBackendBeforeItEnds(Vertx vertx) {
    ScriptedBackend backend = backends(vertx, "b1").get(0);
    int port = proxy(vertx, List.of(backend)).actualPort();
    Buffer frame = requestFrame(1, 256 * 1024);
    int half = frame.length() / 2;
    Future<Void> firstPiecesSeen = backend.whenBytesReceived(Frame.HEADER_SIZE + PIECE);

    Frame answer = onEventLoop(vertx, () -> RawClient.connect(client, port).compose(raw -> {
      raw.writeInPieces(frame, 0, half);
      // The rest is sent only once the backend has bytes of the body: a proxy that gathered it would hang here.
      return firstPiecesSeen.compose(v -> {
        raw.writeInPieces(frame, half, frame.length());
        return raw.answer(1).future();
      });
    }));

    assertThat(ResizeResponse.decode(answer.body()).status()).isEqualTo(Status.OK);
    assertThat(backend.received()).isEqualTo(1);
    assertThat(backend.lastBody()).isEqualTo(frame.slice(Frame.HEADER_SIZE, frame.length()));
  }

  @Test
  void aKeptBodyWhoseBackendDiesMidWayIsResentWholeToAnother(Vertx vertx) {
    List<ScriptedBackend> backends = backends(vertx, "b1", "b2");
    int port = proxy(vertx, backends).actualPort();
    Buffer frame = requestFrame(1, 512 * 1024);
    int half = frame.length() / 2;
    List<Future<Void>> started = backends.stream().map(backend -> backend.whenBytesReceived(half)).toList();

    Frame answer = onEventLoop(vertx, () -> RawClient.connect(client, port).compose(raw -> {
      raw.writeInPieces(frame, 0, half);
      return Future.any(started).compose(v -> {
        ScriptedBackend first = started.get(0).isComplete() ? backends.get(0) : backends.get(1);
        return first.kill(); // with half of the body relayed to it
      }).compose(v -> {
        raw.writeInPieces(frame, half, frame.length());
        return raw.answer(1).future();
      });
    }));

    ResizeResponse served = ResizeResponse.decode(answer.body());
    assertThat(served.status()).as(served.message()).isEqualTo(Status.OK);
    ScriptedBackend second = backends.stream().filter(backend -> backend.name().equals(served.backend()))
      .findFirst().orElseThrow();
    assertThat(second.lastBody()).isEqualTo(frame.slice(Frame.HEADER_SIZE, frame.length()));
  }

  @Test
  void aBodyLargerThanTheResendBudgetIsStreamedAndItsBackendDyingIsExplained(Vertx vertx) {
    List<ScriptedBackend> backends = backends(vertx, "b1", "b2");
    backends.forEach(backend -> backend.killAtBytes(1024 * 1024)); // dies with a megabyte of the body relayed
    // Checks far apart: the connection's close, not a check that may see the dead backend first, is the failure.
    ProxyVerticle proxy = new ProxyVerticle();
    vertx.deployVerticle(proxy, new DeploymentOptions().setConfig(config(backends).put("checkIntervalMillis", 60_000)))
      .await();
    int port = proxy.actualPort();
    Buffer big = requestFrame(1, (int) PoolSizing.CLIENT_RESEND_BUDGET + 1024 * 1024);
    Buffer small = requestFrame(2, 100);

    List<Frame> answers = onEventLoop(vertx, () -> RawClient.connect(client, port).compose(raw -> {
      raw.socket.write(big);
      return raw.answer(1).future().compose(first -> {
        raw.socket.write(small); // the same connection goes on: the rest of the big body was dropped
        return raw.answer(2).future().map(second -> List.of(first, second));
      });
    }));

    ResizeResponse failed = ResizeResponse.decode(answers.get(0).body());
    assertThat(failed.status()).isEqualTo(Status.INTERNAL_ERROR);
    assertThat(failed.message()).contains("cannot be resent", "larger than the " + PoolSizing.CLIENT_RESEND_BUDGET
      + " bytes the proxy keeps for resends per client", "the backend closed the connection");
    ResizeResponse served = ResizeResponse.decode(answers.get(1).body());
    assertThat(served.status()).isEqualTo(Status.OK);
    ScriptedBackend survivor = backends.stream().filter(backend -> backend.name().equals(served.backend()))
      .findFirst().orElseThrow();
    assertThat(survivor.received()).as("the big request was not resent to it").isEqualTo(1);
  }

  @Test
  void aClientStallingMidBodyIsClosedLongBeforeTheBackendsBodyTimeout(Vertx vertx) {
    ScriptedBackend backend = backends(vertx, "b1").get(0);
    int port = proxy(vertx, List.of(backend)).actualPort();
    Buffer frame = requestFrame(7, 64 * 1024);
    int sent = Frame.HEADER_SIZE + 1000;
    Future<Void> startSeen = backend.whenBytesReceived(sent);
    long startNanos = System.nanoTime();

    RawClient stalled = onEventLoop(vertx, () -> RawClient.connect(client, port).compose(raw -> {
      raw.socket.write(frame.slice(0, sent)); // and then nothing more
      return startSeen.map(raw);
    }));
    // Meanwhile the others are served: they take another connection to the same backend.
    assertAllOk(onEventLoop(vertx, () -> FrameClient.run(client, port, 50, 4, 100)), 50);
    assertThat(stalled.closed.future().isComplete()).as("still within the stall bound").isFalse();
    Frame refusal = onEventLoop(vertx, () -> stalled.answer(0).future().compose(f -> stalled.closed.future()
      .map(f)));
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);

    ResizeResponse answer = ResizeResponse.decode(refusal.body());
    assertThat(answer.status()).isEqualTo(Status.TIMEOUT);
    assertThat(answer.message()).contains("request 7", "made no progress", "1000 of " + (frame.length()
      - Frame.HEADER_SIZE) + " bytes");
    assertThat(elapsedMillis).isGreaterThanOrEqualTo(PoolSizing.BODY_STALL_MILLIS - 100)
      .isLessThan(PoolSizing.BODY_STALL_MILLIS + 10_000); // a backend's own body timeout is 30 s
    assertAllOk(onEventLoop(vertx, () -> FrameClient.run(client, port, 50, 4, 100)), 50);
  }

  // Without a Vertx parameter the extension's timeout does not apply: each wait has its own.
  @Test
  void manyClientsSendingLargeBodiesHoldAtMostTheirBudgetEach() throws Exception {
    Vertx vertx = MetricsVertx.create();
    try {
      ScriptedBackend backend = ScriptedBackend.start(vertx, "b1").await().holdAnswers();
      int port = proxy(vertx, List.of(backend)).actualPort();
      NetClient netClient = vertx.createNetClient();
      int clients = 4;
      int imageBytes = 9 * 1024 * 1024; // two of them pass the budget
      Future<Void> firstOfEach = backend.whenReceived(clients);
      Promise<List<Future<Map<Long, ResizeResponse>>>> started = Promise.promise();
      vertx.runOnContext(v -> {
        List<Future<Map<Long, ResizeResponse>>> runs = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
          runs.add(FrameClient.run(netClient, port, 2, 2, imageBytes));
        }
        started.complete(runs);
      });
      List<Future<Map<Long, ResizeResponse>>> runs = started.future().await();
      firstOfEach.await(30, TimeUnit.SECONDS);

      int frameBytes = requestFrame(1, imageBytes).length();
      assertThat(backend.received()).as("each client's second frame waits for its first answer").isEqualTo(clients);
      assertThat(held(vertx)).isEqualTo((double) clients * frameBytes)
        .isLessThanOrEqualTo((double) clients * PoolSizing.CLIENT_RESEND_BUDGET);
      backend.releaseAnswers();
      for (Future<Map<Long, ResizeResponse>> run : runs) {
        assertAllOk(run.await(30, TimeUnit.SECONDS), 2);
      }
      assertThat(held(vertx)).isZero();
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void aWholeFrameOverTheBudgetWaitsAndTheClientIsNotReadMeanwhile() throws Exception {
    Vertx vertx = MetricsVertx.create();
    try {
      ScriptedBackend backend = ScriptedBackend.start(vertx, "b1").await().holdAnswers();
      int port = proxy(vertx, List.of(backend)).actualPort();
      NetClient netClient = vertx.createNetClient();
      int overhead = requestFrame(1, 0).length();
      Buffer large = requestFrame(1, (int) PoolSizing.CLIENT_RESEND_BUDGET - 10_000 - overhead);
      List<Buffer> small = List.of(requestFrame(2, 6_000 - overhead), requestFrame(3, 6_000 - overhead),
        requestFrame(4, 6_000 - overhead)); // 2 fits beside 1, 3 does not: 3 waits, and 4 must not be read yet
      Future<Void> largeArrived = backend.whenReceived(1);

      Promise<List<Frame>> answered = Promise.promise();
      vertx.runOnContext(v -> RawClient.connect(netClient, port).onSuccess(raw -> {
        raw.socket.write(large);
        // The small ones in one write once the large one is through: so they come in one read, 3 and 4 together.
        largeArrived.onSuccess(arrived -> raw.socket.write(Buffer.buffer().appendBuffer(small.get(0))
          .appendBuffer(small.get(1)).appendBuffer(small.get(2))));
        Future.all(List.of(raw.answer(1).future(), raw.answer(2).future(), raw.answer(3).future(),
          raw.answer(4).future())).map(all -> all.<Frame>list()).onComplete(answered);
      }).onFailure(answered::fail));
      Future<Void> twoArrived = largeArrived.compose(v -> backend.whenReceived(2));
      twoArrived.await(30, TimeUnit.SECONDS);

      assertThat(held(vertx)).isEqualTo((double) large.length() + small.get(0).length());
      backend.releaseAnswers();
      assertThat(answered.future().await(30, TimeUnit.SECONDS)).allSatisfy(frame -> assertThat(ResizeResponse.decode(frame.body())
        .status()).isEqualTo(Status.OK));
      assertThat(backend.received()).isEqualTo(4);
    } finally {
      vertx.close().await();
    }
  }

  private static double held(Vertx vertx) {
    return Metrics.registry(vertx).orElseThrow().get("tcpbalancer.proxy.request.bytes.held").gauge().value();
  }
}
