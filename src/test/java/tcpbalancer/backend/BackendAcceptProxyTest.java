package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.InetAddress;
import java.net.Socket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.testing.Topology;

/**
 * A backend with {@code acceptProxy} refuses a connection that does not start with a PROXY protocol header, says
 * so, and goes on serving. (ProxyProtocolHaproxyTest has it behind HAProxy, logging the real client.)
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackendAcceptProxyTest {

  @Test
  void aRequestWithoutAHeaderIsRefusedWithALogLine(Vertx vertx) throws Exception {
    Logger backendLog = (Logger) LoggerFactory.getLogger(BackendVerticle.class);
    BlockingQueue<String> warnings = new LinkedBlockingQueue<>();
    AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
      @Override
      protected void append(ILoggingEvent event) {
        if (event.getFormattedMessage().contains("PROXY protocol")) {
          warnings.add(event.getLevel() + " " + event.getFormattedMessage());
        }
      }
    };
    appender.start();
    backendLog.addAppender(appender);
    try {
      Topology.Deployment backend = new Topology().backend("b1", new JsonObject().put("acceptProxy", true))
        .deploy(vertx).await();
      // Longer than any v1 header (108 bytes) and without its line end: Netty's decoder refuses it at once. (A
      // shorter start could still become a header: Vert.x closes such a connection after the header timeout.)
      Buffer dryRun = new ResizeRequest("x".repeat(200) + ".png", "png", 16, 16, ResizeMode.FIT, true,
        Buffer.buffer()).toFrame(1).encode();
      for (int attempt = 0; attempt < 2; attempt++) { // the first refusal leaves the backend serving the next
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), backend.port("b1"))) {
          client.setSoTimeout(20_000);
          client.getOutputStream().write(dryRun.getBytes());
          assertThat(client.getInputStream().read()).as("closed unanswered").isEqualTo(-1);
        }
        assertThat(warnings.poll(20, TimeUnit.SECONDS))
          .startsWith("WARN Backend b1: refused a connection without a valid PROXY protocol header: ")
          .doesNotContain("Exception");
      }
    } finally {
      backendLog.detachAppender(appender);
    }
  }
}
