package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.SocketAddress;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tcpbalancer.TestImages;
import tcpbalancer.client.ResizeConnection;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.FrameParser;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;
import tcpbalancer.testing.Topology;
import tcpbalancer.testing.KeptClients;

@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class BackendVerticleTest {

  private static final int MAX_FRAME = 32 * 1024 * 1024;

  private final List<NetClient> clients = new ArrayList<>();

  @AfterEach
  void closeClients() {
    clients.forEach(NetClient::close);
  }

  /** The topology of the last {@link #startBackend}. */
  private Topology.Deployment backend;

  /** Deploys resize workers (unless {@code workers} is 0) and the backend b1; returns its port. */
  private Future<Integer> startBackend(Vertx vertx, int workers, JsonObject backendConfig) {
    Topology topology = workers == 0 ? new Topology() : new Topology().workers(workers);
    return topology.backend("b1", backendConfig).deploy(vertx).map(deployment -> {
      backend = deployment;
      return deployment.port("b1");
    });
  }

  private Future<ResizeConnection> connect(Vertx vertx, int port) {
    NetClient client = vertx.createNetClient();
    clients.add(client);
    return ResizeConnection.connect(client, SocketAddress.inetSocketAddress(port, Topology.HOST), MAX_FRAME);
  }

  private static ResizeRequest request(Path file, int width, int height) {
    return new ResizeRequest(file.getFileName().toString(), TestImages.formatOf(file), width, height,
      ResizeMode.FIT, false, Buffer.buffer(TestImages.read(file)));
  }

  @Test
  void resizesEveryBenchImagePipelinedOnOneConnection(Vertx vertx, VertxTestContext test) {
    List<Path> images = TestImages.benchImages();
    startBackend(vertx, 2, new JsonObject())
      .compose(port -> connect(vertx, port))
      .compose(connection -> {
        List<Future<ResizeResponse>> answers = new ArrayList<>();
        for (Path image : images) {
          answers.add(connection.send(request(image, 200, 150)));
        }
        return Future.all(answers).map(all -> all.<ResizeResponse>list());
      })
      .onComplete(test.succeeding(answers -> test.verify(() -> {
        assertThat(answers).hasSameSizeAs(images);
        for (int i = 0; i < images.size(); i++) {
          ResizeResponse answer = answers.get(i);
          Path image = images.get(i);
          assertThat(answer.status()).as(answer.message()).isEqualTo(Status.OK);
          assertThat(answer.name()).isEqualTo(image.getFileName().toString());
          assertThat(answer.backend()).isEqualTo("b1");
          assertThat(answer.format()).isEqualTo(TestImages.formatOf(image));
          BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(answer.image().getBytes()));
          assertThat(decoded.getWidth()).isEqualTo(answer.width()).isLessThanOrEqualTo(200);
          assertThat(decoded.getHeight()).isEqualTo(answer.height()).isLessThanOrEqualTo(150);
          assertThat(answer.processingMicros()).isPositive();
        }
        test.completeNow();
      })));
  }

  @Test
  void smallImagesDoNotWaitBehindALargeOneWhileAnotherWorkerIsIdle(Vertx vertx, VertxTestContext test) {
    // Round in turn, the event bus would queue the second small image behind the large one on its worker. The large
    // one's box is large too: a 100 px thumbnail of it is quick now (decoded at 1/8, then area-averaged), and
    // under load it could finish before the small ones; at 1000 px imgscalr draws millions of pixels.
    ResizeRequest large = new ResizeRequest("large.jpg", "jpeg", 1000, 1000, ResizeMode.FIT, false,
      Buffer.buffer(TestImages.synthetic(4000, 3000, "jpeg")));
    Buffer small = Buffer.buffer(TestImages.synthetic(16, 16, "png"));
    List<String> answered = new ArrayList<>();
    startBackend(vertx, 2, new JsonObject())
      .compose(port -> connect(vertx, port))
      .compose(connection -> {
        List<Future<ResizeResponse>> answers = new ArrayList<>();
        answers.add(connection.send(large));
        for (int i = 1; i <= 3; i++) {
          answers.add(connection.send(new ResizeRequest("small-" + i + ".png", "png", 8, 8, ResizeMode.FIT, false,
            small)));
        }
        answers.forEach(answer -> answer.onSuccess(response -> answered.add(response.name())));
        return Future.all(answers);
      })
      .onComplete(test.succeeding(all -> test.verify(() -> {
        assertThat(answered).containsExactly("small-1.png", "small-2.png", "small-3.png", "large.jpg");
        test.completeNow();
      })));
  }

  @Test
  void everyBadImageIsRefusedAndTheConnectionKeepsServing(Vertx vertx, VertxTestContext test) {
    assumeTrue(TestImages.haveBadImages(), "../shared/bad-images is not beside the project");
    String[] bad = {"empty.jpg", "text.png", "truncated-half.jpg", "bomb_30000x30000.png", "random-bytes.jpg"};
    Status[] expected = {Status.EMPTY_IMAGE, Status.NOT_AN_IMAGE, Status.CORRUPT_IMAGE, Status.TOO_MANY_PIXELS,
      Status.NOT_AN_IMAGE};
    Path good = TestImages.benchImage("meadow_");
    startBackend(vertx, 2, new JsonObject())
      .compose(port -> connect(vertx, port))
      .compose(connection -> {
        Future<List<Status>> chain = Future.succeededFuture(new ArrayList<>());
        for (String name : bad) {
          // One after the other, each followed by a good image on the same connection.
          chain = chain.compose(statuses -> connection.send(request(TestImages.badImagesDir().resolve(name), 100, 100))
            .compose(refused -> {
              statuses.add(refused.status());
              assertThat(refused.message()).isNotBlank();
              return connection.send(request(good, 100, 100));
            })
            .map(next -> {
              statuses.add(next.status());
              return statuses;
            }));
        }
        return chain;
      })
      .onComplete(test.succeeding(statuses -> test.verify(() -> {
        List<Status> want = new ArrayList<>();
        for (Status status : expected) {
          want.add(status);
          want.add(Status.OK);
        }
        assertThat(statuses).containsExactlyElementsOf(want);
        test.completeNow();
      })));
  }

  @Test
  void dryRunIsAnsweredWithoutImageWork(Vertx vertx, VertxTestContext test) {
    // No workers at all: a dry run must not need one.
    startBackend(vertx, 0, new JsonObject())
      .compose(port -> connect(vertx, port))
      .compose(connection -> connection.send(
        new ResizeRequest("x.jpg", "jpeg", 200, 100, ResizeMode.FIT, true, Buffer.buffer())))
      .onComplete(test.succeeding(answer -> test.verify(() -> {
        assertThat(answer.status()).isEqualTo(Status.OK);
        assertThat(answer.width()).isEqualTo(200);
        assertThat(answer.height()).isEqualTo(100);
        assertThat(answer.image().length()).isZero();
        assertThat(answer.backend()).isEqualTo("b1");
        test.completeNow();
      })));
  }

  @Test
  void corkedRequestsGoOutInOneWriteAndAreEachAnswered(Vertx vertx, VertxTestContext test) {
    startBackend(vertx, 0, new JsonObject())
      .compose(port -> connect(vertx, port))
      .compose(connection -> {
        connection.cork();
        List<Future<ResizeResponse>> answers = new ArrayList<>();
        for (String name : List.of("a.jpg", "b.jpg", "c.jpg")) {
          answers.add(connection.send(new ResizeRequest(name, "jpeg", 20, 10, ResizeMode.FIT, true, Buffer.buffer())));
        }
        connection.uncork();
        return Future.all(answers).map(all -> all.<ResizeResponse>list());
      })
      .onComplete(test.succeeding(answers -> test.verify(() -> {
        assertThat(answers).extracting(ResizeResponse::name).containsExactly("a.jpg", "b.jpg", "c.jpg");
        assertThat(answers).extracting(ResizeResponse::status).containsOnly(Status.OK);
        test.completeNow();
      })));
  }

  @Test
  void withoutWorkersARequestIsRefusedNotLost(Vertx vertx, VertxTestContext test) {
    startBackend(vertx, 0, new JsonObject())
      .compose(port -> connect(vertx, port))
      .compose(connection -> connection.send(request(TestImages.benchImage("meadow_"), 10, 10)))
      .onComplete(test.succeeding(answer -> test.verify(() -> {
        assertThat(answer.status()).isEqualTo(Status.BUSY);
        assertThat(answer.message()).contains("no resize worker");
        test.completeNow();
      })));
  }

  @Test
  void pastTheBackendLimitARequestWaitsForASlotRatherThanBusy(Vertx vertx, VertxTestContext test) {
    Path big = TestImages.benchImages().stream().max((a, b) -> Long.compare(a.toFile().length(), b.toFile().length()))
      .orElseThrow();
    Path small = TestImages.benchImage("meadow_");
    startBackend(vertx, 1, new JsonObject().put("maxInFlight", 1))
      .compose(port -> connect(vertx, port))
      .compose(connection -> {
        Future<ResizeResponse> first = connection.send(request(big, 100, 100));
        Future<ResizeResponse> second = connection.send(request(small, 100, 100));
        return Future.all(first, second).map(all -> List.of(first.result(), second.result()));
      })
      .onComplete(test.succeeding(answers -> test.verify(() -> {
        assertThat(answers).extracting(ResizeResponse::status).containsExactly(Status.OK, Status.OK);
        test.completeNow();
      })));
  }

  @Test
  void aConnectionAtItsLimitIsPausedAndResumed(Vertx vertx, VertxTestContext test) {
    Path image = TestImages.benchImage("meadow_");
    startBackend(vertx, 2, new JsonObject().put("maxInFlightPerConnection", 1))
      .compose(port -> connect(vertx, port))
      .compose(connection -> {
        List<Future<ResizeResponse>> answers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
          answers.add(connection.send(request(image, 50 + i, 50 + i)));
        }
        return Future.all(answers).map(all -> all.<ResizeResponse>list());
      })
      .onComplete(test.succeeding(answers -> test.verify(() -> {
        assertThat(answers).extracting(ResizeResponse::status).containsOnly(Status.OK);
        assertThat(answers).extracting(ResizeResponse::width).containsExactly(50, 51, 52, 53, 54, 55);
        test.completeNow();
      })));
  }

  @Test
  void garbageGetsAnErrorFrameThenTheConnectionCloses(Vertx vertx, VertxTestContext test) {
    rawExchange(vertx, test, new JsonObject(), Buffer.buffer("GET / HTTP/1.1\r\nHost: example\r\n\r\n"),
      Status.BAD_FRAME, "bad magic");
  }

  @Test
  void oversizedFrameGetsAnErrorFrameThenTheConnectionCloses(Vertx vertx, VertxTestContext test) {
    Buffer header = Buffer.buffer()
      .appendShort(Frame.MAGIC).appendUnsignedByte((short) 1).appendUnsignedByte((short) 1)
      .appendUnsignedInt(9).appendUnsignedInt(10_000);
    rawExchange(vertx, test, new JsonObject().put("maxFrameSize", 4096), header, Status.FRAME_TOO_LARGE,
      "exceeds the limit of 4096");
  }

  /** Sends raw bytes, expects one error frame (request id 0) and a close, then checks the server still serves. */
  private void rawExchange(Vertx vertx, VertxTestContext test, JsonObject config, Buffer bytes, Status status,
                           String message) {
    NetClient client = vertx.createNetClient();
    clients.add(client);
    startBackend(vertx, 1, config).onComplete(test.succeeding(port ->
      client.connect(port, Topology.HOST).onComplete(test.succeeding(socket -> {
        List<Frame> frames = new ArrayList<>();
        FrameParser.on(socket, MAX_FRAME).frameHandler(frames::add);
        socket.closeHandler(closed -> test.verify(() -> {
          assertThat(frames).singleElement().satisfies(frame -> {
            assertThat(frame.requestId()).isZero();
            ResizeResponse error = ResizeResponse.decode(frame.body());
            assertThat(error.status()).isEqualTo(status);
            assertThat(error.message()).contains(message);
          });
          connect(vertx, port)
            .compose(connection -> connection.send(
              new ResizeRequest("next.jpg", "jpeg", 20, 20, ResizeMode.FIT, true, Buffer.buffer())))
            .onComplete(test.succeeding(next -> test.verify(() -> {
              assertThat(next.status()).isEqualTo(Status.OK);
              test.completeNow();
            })));
        }));
        socket.write(bytes);
      }))));
  }

  @Test
  void aNameThatIsNotUtf8IsABadRequestAndTheConnectionKeepsServing(Vertx vertx, VertxTestContext test) {
    // A valid request frame whose name is 30,000 bytes of 0xFF: refused, never echoed in a bigger form.
    byte[] name = new byte[30_000];
    java.util.Arrays.fill(name, (byte) 0xFF);
    Buffer body = Buffer.buffer().appendUnsignedShort(10).appendUnsignedShort(10).appendUnsignedByte((short) 0)
      .appendUnsignedByte((short) 1).appendUnsignedByte((short) 4).appendString("jpeg")
      .appendUnsignedShort(name.length).appendBytes(name);
    Buffer bad = new Frame(tcpbalancer.protocol.FrameType.RESIZE_REQUEST, 7, body).encode();
    Buffer good = new ResizeRequest("ok.jpg", "jpeg", 10, 10, ResizeMode.FIT, true, Buffer.buffer()).toFrame(8).encode();
    NetClient client = vertx.createNetClient();
    clients.add(client);
    startBackend(vertx, 0, new JsonObject())
      .compose(port -> client.connect(port, Topology.HOST))
      .onComplete(test.succeeding(socket -> {
        List<Frame> frames = new ArrayList<>();
        FrameParser.on(socket, MAX_FRAME).frameHandler(frame -> {
          frames.add(frame);
          if (frames.size() == 2) {
            test.verify(() -> {
              ResizeResponse refused = ResizeResponse.decode(frames.get(0).body());
              assertThat(frames.get(0).requestId()).isEqualTo(7);
              assertThat(refused.status()).isEqualTo(Status.BAD_REQUEST);
              assertThat(refused.message()).isEqualTo("name is not valid UTF-8");
              assertThat(frames.get(1).requestId()).isEqualTo(8);
              assertThat(ResizeResponse.decode(frames.get(1).body()).status()).isEqualTo(Status.OK);
              test.completeNow();
            });
          }
        });
        socket.write(bad.appendBuffer(good));
      }));
  }

  @Test
  void stoppingFinishesTheRequestsInProgressThenClosesAndRefusesNewConnections(Vertx vertx, VertxTestContext test) {
    Path big = TestImages.benchImages().stream().max((a, b) -> Long.compare(a.toFile().length(), b.toFile().length()))
      .orElseThrow();
    int[] port = new int[1];
    startBackend(vertx, 1, new JsonObject().put("drainTimeoutMillis", 30_000))
      .compose(p -> {
        port[0] = p;
        return connect(vertx, p);
      })
      .compose(connection -> {
        // Undeploy once the request has reached a worker: its answer must still arrive, then the connection closes.
        io.vertx.core.Promise<Void> stopped = io.vertx.core.Promise.promise();
        vertx.eventBus().addOutboundInterceptor(delivery -> {
          if (delivery.message().address().startsWith(ResizeWorkerVerticle.ADDRESS)) {
            backend.undeploy("b1").onComplete(stopped);
          }
          delivery.next();
        });
        Future<ResizeResponse> inProgress = connection.send(request(big, 100, 100));
        return inProgress.compose(answer -> {
          assertThat(answer.status()).isEqualTo(Status.OK);
          return stopped.future();
        }).compose(v -> connection.send(request(big, 10, 10)).transform(ar -> Future.succeededFuture(ar.failed())))
          .compose(refused -> {
            assertThat(refused).as("the drained connection is closed: no more answers on it").isTrue();
            return KeptClients.create(vertx).connect(port[0], Topology.HOST)
              .transform(ar -> Future.succeededFuture(ar.succeeded()));
          });
      })
      .onComplete(test.succeeding(newConnectionAccepted -> test.verify(() -> {
        assertThat(newConnectionAccepted).as("no new connections once stopped").isFalse();
        test.completeNow();
      })));
  }
}
