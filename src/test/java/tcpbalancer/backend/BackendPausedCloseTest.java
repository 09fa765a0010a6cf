package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.FrameType;
import tcpbalancer.testing.LogLines;
import tcpbalancer.testing.Topology;

/**
 * A connection the backend closes while its reading is paused lets go of everything: its place in the byte
 * budget's queue, and what Vert.x read for it and kept unread, Netty's pooled buffers among it (the leak detector
 * is paranoid in tests; CI fails a build whose output says "LEAK:").
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class BackendPausedCloseTest {

  private static final int BUDGET = 100_000;
  private static final int CHUNK = 64 * 1024;
  /** 4 MiB sent while paused: Vert.x reads several times more than it queues before it stops reading. */
  private static final int CHUNKS = 64;
  /** Once the client's kernel took this many chunks, Vert.x has been reading them for some time. */
  private static final int CHUNKS_BEFORE_CLOSE = 24;

  private final Logger connectionLogger = (Logger) LoggerFactory.getLogger(BackendConnection.class);
  private Level levelBefore;
  private LogLines connectionLines;
  private LogLines leakReports;
  private NetClient client;

  @BeforeEach
  void capture(Vertx vertx) {
    levelBefore = connectionLogger.getLevel();
    connectionLogger.setLevel(Level.DEBUG);
    connectionLines = LogLines.of(BackendConnection.class);
    leakReports = LogLines.of("io.netty.util.ResourceLeakDetector");
    client = vertx.createNetClient();
  }

  @AfterEach
  void release() {
    client.close();
    leakReports.close();
    connectionLines.close();
    connectionLogger.setLevel(levelBefore);
  }

  @Test
  void aConnectionClosedWhilePausedWithdrawsItsReservationAndFreesWhatItLeftUnread(Vertx vertx,
                                                                                  VertxTestContext test) {
    Topology.Deployment[] deployed = new Topology.Deployment[1];
    ByteBudget[] budget = new ByteBudget[1];
    Promise<Void> clientSawClose = Promise.promise();
    new Topology().backend("b1", new JsonObject().put("maxBufferedBytes", BUDGET)).deploy(vertx)
      .compose(deployment -> {
        deployed[0] = deployment;
        budget[0] = BackendLimits.find(vertx, deployment.deploymentId("b1")).bodies();
        budget[0].reserve(BUDGET); // the test holds the whole budget: the connection's body has to wait
        return client.connect(deployment.port("b1"), Topology.HOST);
      })
      .compose(socket -> {
        socket.closeHandler(v -> clientSawClose.complete());
        Future<String> waiting = connectionLines.next("waits for room");
        socket.write(header(50_000));
        return waiting.compose(line -> sendWhilePaused(socket));
      })
      .compose(v -> {
        Future<String> backendClosed = connectionLines.next(" closed");
        // Stopping, the backend ends the connection at once: it has no request in progress, only a frame waiting.
        return deployed[0].undeploy("b1").compose(u -> Future.all(backendClosed, clientSawClose.future()));
      })
      .onComplete(test.succeeding(v -> test.verify(() -> {
        assertThat(budget[0].waiting()).as("the closed connection's reservation withdrawn").isZero();
        assertThat(budget[0].held()).as("only the test's own bytes held").isEqualTo(BUDGET);
        budget[0].release(BUDGET);
        assertThat(leakReportsAfterCollection()).noneMatch(line -> line.contains("LEAK:"));
        test.completeNow();
      })));
  }

  /** A request header announcing {@code bodySize} bytes. */
  private static Buffer header(int bodySize) {
    return Buffer.buffer().appendShort(Frame.MAGIC).appendUnsignedByte((short) Frame.VERSION)
      .appendUnsignedByte((short) FrameType.RESIZE_REQUEST.code()).appendUnsignedInt(1).appendUnsignedInt(bodySize);
  }

  /** Writes the chunks without waiting (the backend stops reading them); completes once the first ones are sent. */
  private static Future<Void> sendWhilePaused(NetSocket socket) {
    Future<Void> sent = Future.succeededFuture();
    for (int i = 0; i < CHUNKS; i++) {
      Future<Void> written = socket.write(Buffer.buffer(new byte[CHUNK]));
      if (i == CHUNKS_BEFORE_CLOSE - 1) {
        sent = written;
      }
    }
    return sent;
  }

  /**
   * What the leak detector reports once the connection's buffers are garbage: it reports when it tracks a new
   * buffer, so a collection and a few allocations make it speak now, in this test, rather than in a later one.
   */
  private java.util.List<String> leakReportsAfterCollection() {
    System.gc();
    for (int i = 0; i < 16; i++) {
      ByteBuf probe = ByteBufAllocator.DEFAULT.directBuffer(16);
      probe.release();
    }
    return leakReports.lines();
  }
}
