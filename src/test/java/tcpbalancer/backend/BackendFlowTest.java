package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tcpbalancer.TestImages;
import tcpbalancer.client.ResizeConnection;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.FrameParser;
import tcpbalancer.protocol.FrameType;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;
import tcpbalancer.testing.Topology;

/** The backend's flow control and time limits: budgets, stalls, half-closed clients, request slots. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class BackendFlowTest {

  private static final int MAX_FRAME = 32 * 1024 * 1024;

  private final List<NetClient> clients = new ArrayList<>();
  /** The topology of the last {@link #startBackend}. */
  private Topology.Deployment backend;

  @AfterEach
  void closeClients() {
    clients.forEach(NetClient::close);
  }

  /** Deploys resize workers (unless {@code workers} is 0) and the backend b1; returns its port. */
  private Future<Integer> startBackend(Vertx vertx, int workers, JsonObject backendConfig) {
    Topology topology = workers == 0 ? new Topology() : new Topology().workers(workers);
    return topology.backend("b1", backendConfig).deploy(vertx).map(deployment -> {
      backend = deployment;
      return deployment.port("b1");
    });
  }

  private NetClient client(Vertx vertx) {
    NetClient client = vertx.createNetClient();
    clients.add(client);
    return client;
  }

  private static ResizeRequest smallRequest(String name) {
    return new ResizeRequest(name, "png", 16, 12, ResizeMode.FIT, false, Buffer.buffer(TestImages.synthetic(64, 48, "png")));
  }

  /** A request header announcing {@code bodySize} bytes, followed by only {@code sent} of them. */
  private static Buffer partialFrame(long requestId, int bodySize, int sent) {
    return Buffer.buffer().appendShort(Frame.MAGIC).appendUnsignedByte((short) Frame.VERSION)
      .appendUnsignedByte((short) FrameType.RESIZE_REQUEST.code()).appendUnsignedInt(requestId)
      .appendUnsignedInt(bodySize).appendBytes(new byte[sent]);
  }

  @Test
  void stalledBodiesStayWithinTheBudgetAreDroppedOnTimeAndOthersAreServed(Vertx vertx, VertxTestContext test) {
    int budget = 300_000;
    int body = 100_000;
    int stalled = 10;
    JsonObject config = new JsonObject().put("maxBufferedBytes", budget).put("bodyTimeoutMillis", 300);
    List<Future<List<Frame>>> closedWithFrames = new ArrayList<>();
    startBackend(vertx, 1, config).compose(port -> {
      ByteBudget bytes = BackendLimits.find(vertx, backend.deploymentId("b1")).bodies();
      vertx.setPeriodic(10, id -> test.verify(() -> assertThat(bytes.held()).isLessThanOrEqualTo(budget)));
      for (int i = 0; i < stalled; i++) {
        Promise<List<Frame>> closed = Promise.promise();
        closedWithFrames.add(closed.future());
        client(vertx).connect(port, Topology.HOST).onComplete(test.succeeding(socket -> {
          List<Frame> frames = new ArrayList<>();
          FrameParser.on(socket, MAX_FRAME).frameHandler(frames::add);
          socket.closeHandler(v -> closed.complete(frames));
          socket.write(partialFrame(1, body, 10_000));
        }));
      }
      // A well-behaved client meanwhile: its request waits for room in the budget, then is served.
      return ResizeConnection.connect(client(vertx), SocketAddress.inetSocketAddress(port, Topology.HOST), MAX_FRAME)
        .compose(connection -> connection.send(smallRequest("good.png")))
        .compose(answer -> Future.all(closedWithFrames).map(all -> answer));
    }).onComplete(test.succeeding(answer -> test.verify(() -> {
      assertThat(answer.status()).as(answer.message()).isEqualTo(Status.OK);
      for (Future<List<Frame>> closed : closedWithFrames) {
        assertThat(closed.result()).singleElement().satisfies(frame -> {
          assertThat(frame.requestId()).isZero();
          ResizeResponse error = ResizeResponse.decode(frame.body());
          assertThat(error.status()).isEqualTo(Status.TIMEOUT);
          assertThat(error.message()).contains("10000 of 100000 received");
        });
      }
      // The backend gives a dropped frame's bytes back before it sends the error frame and closes, and a request's
      // before it writes the answer: every event awaited above comes after its connection let go.
      ByteBudget bytes = BackendLimits.find(vertx, backend.deploymentId("b1")).bodies();
      assertThat(bytes.peak()).isLessThanOrEqualTo(budget).isGreaterThanOrEqualTo(body);
      assertThat(bytes.held()).as("every byte given back").isZero();
      assertThat(bytes.waiting()).isZero();
      test.completeNow();
    })));
  }

  @Test
  void aFrameLargerThanTheWholeBudgetIsRefused(Vertx vertx, VertxTestContext test) {
    startBackend(vertx, 0, new JsonObject().put("maxBufferedBytes", 50_000))
      .compose(port -> client(vertx).connect(port, Topology.HOST))
      .onComplete(test.succeeding(socket -> {
        List<Frame> frames = new ArrayList<>();
        FrameParser.on(socket, MAX_FRAME).frameHandler(frames::add);
        socket.closeHandler(v -> test.verify(() -> {
          ResizeResponse error = ResizeResponse.decode(frames.get(0).body());
          assertThat(error.status()).isEqualTo(Status.FRAME_TOO_LARGE);
          assertThat(error.message()).contains("buffer budget of 50000 bytes");
          test.completeNow();
        }));
        socket.write(partialFrame(1, 60_000, 0));
      }));
  }

  @Test
  void aConnectionThatSendsNothingIsClosedWhenIdle(Vertx vertx, VertxTestContext test) {
    startBackend(vertx, 0, new JsonObject().put("idleTimeoutSeconds", 1))
      .compose(port -> client(vertx).connect(port, Topology.HOST))
      .onComplete(test.succeeding(socket -> {
        long opened = System.nanoTime();
        socket.closeHandler(v -> test.verify(() -> {
          assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened)).isGreaterThanOrEqualTo(900);
          test.completeNow();
        }));
      }));
  }

  @Test
  void aClientThatShutsDownItsOutputGetsEveryAnswerThenTheConnectionCloses(Vertx vertx) throws Exception {
    int port = startBackend(vertx, 2, new JsonObject().put("maxInFlightPerConnection", 1))
      .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    try (Socket socket = new Socket(Topology.HOST, port)) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      for (int id = 1; id <= 3; id++) {
        out.write(smallRequest("img-" + id + ".png").toFrame(id).encode().getBytes());
      }
      out.flush();
      socket.shutdownOutput();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      List<Long> answered = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        byte[] header = new byte[Frame.HEADER_SIZE];
        in.readFully(header);
        Buffer head = Buffer.buffer(header);
        byte[] body = new byte[(int) head.getUnsignedInt(8)];
        in.readFully(body);
        assertThat(ResizeResponse.decode(Buffer.buffer(body)).status()).isEqualTo(Status.OK);
        answered.add(head.getUnsignedInt(4));
      }
      assertThat(answered).containsExactlyInAnyOrder(1L, 2L, 3L);
      assertThat(in.read()).as("closed after the answers").isEqualTo(-1);
    }
  }

  @Test
  void atTheBackendLimitAConnectionIsPausedNotAnsweredBusy(Vertx vertx, VertxTestContext test) {
    Buffer large = Buffer.buffer(TestImages.synthetic(3000, 2000, "jpeg"));
    startBackend(vertx, 1, new JsonObject().put("maxInFlight", 1))
      .compose(port -> {
        SocketAddress address = SocketAddress.inetSocketAddress(port, Topology.HOST);
        List<Future<ResizeResponse>> answers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          int n = i;
          answers.add(ResizeConnection.connect(client(vertx), address, MAX_FRAME).compose(connection ->
            connection.send(new ResizeRequest("c" + n + ".jpg", "jpeg", 100, 100, ResizeMode.FIT, false, large))));
        }
        return Future.all(answers).map(all -> all.<ResizeResponse>list());
      })
      .onComplete(test.succeeding(answers -> test.verify(() -> {
        assertThat(answers).extracting(ResizeResponse::status).containsOnly(Status.OK);
        test.completeNow();
      })));
  }

  @Test
  void requestIdZeroIsRefusedAsReserved(Vertx vertx, VertxTestContext test) {
    startBackend(vertx, 0, new JsonObject())
      .compose(port -> client(vertx).connect(port, Topology.HOST))
      .onComplete(test.succeeding(socket -> {
        List<Frame> frames = new ArrayList<>();
        FrameParser.on(socket, MAX_FRAME).frameHandler(frames::add);
        socket.closeHandler(v -> test.verify(() -> {
          assertThat(frames).singleElement().satisfies(frame -> {
            assertThat(frame.requestId()).isZero();
            ResizeResponse error = ResizeResponse.decode(frame.body());
            assertThat(error.status()).isEqualTo(Status.BAD_REQUEST);
            assertThat(error.message()).contains("request id 0 is reserved");
          });
          test.completeNow();
        }));
        socket.write(new ResizeRequest("x.jpg", "jpeg", 10, 10, ResizeMode.FIT, true, Buffer.buffer()).toFrame(0).encode());
      }));
  }

  @Test
  void aPortInUseIsNamedInTheFailure(Vertx vertx, VertxTestContext test) {
    startBackend(vertx, 0, new JsonObject())
      .compose(port -> new Topology().backend("b2", new JsonObject().put("port", port)).deploy(vertx))
      .onComplete(test.failing(e -> test.verify(() -> {
        assertThat(e).hasMessageStartingWith("b2 (backend) did not start");
        assertThat(e.getCause().getMessage()).startsWith("cannot listen on 127.0.0.1:").contains("in use");
        test.completeNow();
      })));
  }
}
