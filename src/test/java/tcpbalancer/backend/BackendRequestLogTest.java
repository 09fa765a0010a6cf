package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.SocketAddress;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;
import tcpbalancer.TestImages;
import tcpbalancer.client.ResizeConnection;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.testing.Topology;

/** At {@code --loglevel 1} (debug) the backend logs one line per request it answers. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class BackendRequestLogTest {

  private static final Pattern LINE = Pattern.compile(
    "Request (\\d+) from \\S+: name=(\\S+) bytes=(\\d+) format=(\\S+) status=(\\S+) time_ms=(\\d+)( message=.*)?");

  private final Logger requestLogger = (Logger) LoggerFactory.getLogger(RequestLog.class);
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final Promise<Void> twoLines = Promise.promise();
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>() {
    @Override
    protected void append(ILoggingEvent event) {
      lines.add(event.getFormattedMessage());
      if (lines.size() == 2) {
        twoLines.tryComplete();
      }
    }
  };
  private Level levelBefore;
  private NetClient client;

  @BeforeEach
  void capture(Vertx vertx) {
    levelBefore = requestLogger.getLevel();
    requestLogger.setLevel(Level.DEBUG);
    appender.start();
    requestLogger.addAppender(appender);
    client = vertx.createNetClient();
  }

  @AfterEach
  void release() {
    requestLogger.detachAppender(appender);
    requestLogger.setLevel(levelBefore);
  }

  @Test
  void eachAnsweredRequestIsOneLineWithNameSizeFormatStatusAndTime(Vertx vertx, VertxTestContext test) {
    Buffer image = Buffer.buffer(TestImages.synthetic(64, 48, "png"));
    new Topology().workers(1).backend("b1", new JsonObject()).deploy(vertx)
      .compose(deployment -> ResizeConnection.connect(client,
        SocketAddress.inetSocketAddress(deployment.port("b1"), Topology.HOST), 32 * 1024 * 1024))
      .compose(connection -> connection.send(new ResizeRequest("small.png", "png", 16, 16, ResizeMode.FIT, false,
          image))
        .compose(resized -> connection.send(new ResizeRequest("nothing.jpg", "bmp", 16, 16, ResizeMode.FIT, false,
          Buffer.buffer("not an image")))))
      .compose(answered -> twoLines.future())
      .onComplete(test.succeeding(v -> test.verify(() -> {
        assertThat(lines).hasSize(2);
        Matcher resized = LINE.matcher(lines.get(0));
        assertThat(resized.matches()).as(lines.get(0)).isTrue();
        assertThat(resized.group(2)).isEqualTo("small.png");
        assertThat(Long.parseLong(resized.group(3))).isGreaterThan(image.length());
        assertThat(resized.group(4)).isEqualTo("png");
        assertThat(resized.group(5)).isEqualTo("OK");
        assertThat(resized.group(7)).isNull();
        Matcher failed = LINE.matcher(lines.get(1));
        assertThat(failed.matches()).as(lines.get(1)).isTrue();
        assertThat(failed.group(2)).isEqualTo("nothing.jpg");
        assertThat(failed.group(4)).isEqualTo("bmp");
        assertThat(failed.group(5)).isNotEqualTo("OK");
        assertThat(failed.group(7)).isNotBlank();
        test.completeNow();
      })));
  }

  @Test
  void nothingIsLoggedBelowDebug(Vertx vertx, VertxTestContext test) {
    requestLogger.setLevel(Level.INFO);
    new Topology().backend("b1", new JsonObject()).deploy(vertx)
      .compose(deployment -> ResizeConnection.connect(client,
        SocketAddress.inetSocketAddress(deployment.port("b1"), Topology.HOST), 32 * 1024 * 1024))
      .compose(connection -> connection.send(new ResizeRequest("dry.png", "png", 16, 16, ResizeMode.FIT, true,
        Buffer.buffer())))
      .onComplete(test.succeeding(answer -> test.verify(() -> {
        assertThat(lines).isEmpty(); // the line is written as the answer is sent
        test.completeNow();
      })));
  }
}
