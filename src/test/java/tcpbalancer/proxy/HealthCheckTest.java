package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tcpbalancer.config.ConfigException;
import tcpbalancer.protocol.Status;

/** Each kind of check passes on what it must and fails naming why; the config's {@code check} is validated. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class HealthCheckTest {

  /** Long enough for a loaded machine to answer on loopback. */
  private static final int TIMEOUT = 2_000;

  @Test
  void theDefaultIsTheResizeCheck() {
    assertThat(options(null).check()).isInstanceOf(ResizeCheck.class);
    assertThat(options("connect").check()).isInstanceOf(ConnectCheck.class);
    assertThat(options("resize").check()).isInstanceOf(ResizeCheck.class);
  }

  @Test
  void sendAndExpectAreHex() {
    assertThat(options(new JsonObject().put("send", "50494e470d0a").put("expect", "2b504f4e47")).check())
      .isEqualTo(new SendExpectCheck(Buffer.buffer("PING\r\n"), Buffer.buffer("+PONG")));
    assertThat(options("{\"expect\": \"2b4f4b\"}").check()).as("an object in a string, as an environment variable")
      .isEqualTo(new SendExpectCheck(Buffer.buffer(), Buffer.buffer("+OK")));
  }

  @Test
  void aBadCheckIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> options("ping")).isInstanceOf(ConfigException.class)
      .hasMessage("config.check: must be \"connect\", \"resize\" or an object {\"send\": HEX, \"expect\": HEX}, "
        + "got 'ping'");
    assertThatThrownBy(() -> options(new JsonObject().put("send", "PING").put("expect", "2b")))
      .hasMessageStartingWith("config.check.send: must be bytes as hex digits");
    assertThatThrownBy(() -> options(new JsonObject().put("send", "00")))
      .hasMessageStartingWith("config.check.expect: required");
    assertThatThrownBy(() -> options(new JsonObject().put("expect", "00").put("sned", "00")))
      .isInstanceOf(ConfigException.class).hasMessageContaining("sned");
  }

  @Test
  void aConnectCheckPassesAHungBackend(Vertx vertx, VertxTestContext test) {
    FakeBackend.hung(vertx).compose(fake -> check(vertx, "connect", fake.address()))
      .onComplete(test.succeedingThenComplete());
  }

  @Test
  void theResizeCheckFailsAHungBackend(Vertx vertx, VertxTestContext test) {
    FakeBackend.hung(vertx).compose(fake -> check(vertx, null, fake.address()))
      .onComplete(failsWith(test, "no answer within " + TIMEOUT + " ms"));
  }

  @Test
  void theResizeCheckFailsABusyBackend(Vertx vertx, VertxTestContext test) {
    FakeBackend.answering(vertx, Status.BUSY).compose(fake -> check(vertx, "resize", fake.address()))
      .onComplete(failsWith(test, "answered status BUSY: try later"));
  }

  @Test
  void theResizeCheckPassesABackendThatAnswersOk(Vertx vertx, VertxTestContext test) {
    FakeBackend.answering(vertx, Status.OK).compose(fake -> check(vertx, "resize", fake.address()))
      .onComplete(test.succeedingThenComplete());
  }

  @Test
  void theResizeCheckFailsAnotherProtocol(Vertx vertx, VertxTestContext test) {
    TestUpstream.start(vertx, "echo").compose(upstream -> check(vertx, "resize", upstream.address()))
      .onComplete(failsWith(test, "answered what is not a resize response: bad magic 0x6563 (expected 0x5442): "
        + "not a tcpbalancer peer"));
  }

  @Test
  void sendExpectPassesTheExpectedAnswerAndNamesAnUnexpectedOne(Vertx vertx, VertxTestContext test) {
    // A test upstream greets with its name and a newline, then echoes.
    Function<String, JsonObject> expecting = hex -> new JsonObject().put("send", "6869").put("expect", hex);
    TestUpstream.start(vertx, "a")
      .compose(upstream -> check(vertx, expecting.apply("610a6869"), upstream.address())
        .compose(v -> check(vertx, expecting.apply("620a"), upstream.address())))
      .onComplete(failsWith(test, "unexpected bytes 610a (expected 620a)"));
  }

  @Test
  void sendExpectFailsAServerThatClosesFirst(Vertx vertx, VertxTestContext test) {
    vertx.createNetServer().connectHandler(socket -> socket.write("+P").onComplete(v -> socket.close()))
      .listen(0, "127.0.0.1")
      .compose(server -> check(vertx, new JsonObject().put("expect", "2b504f4e47"),
        "127.0.0.1:" + server.actualPort()))
      .onComplete(failsWith(test, "closed the connection after 2b50 (expected 2b504f4e47)"));
  }

  private static ProxyOptions options(Object check) {
    JsonObject config = new JsonObject().put("port", 0).put("upstreams", new JsonArray().add("127.0.0.1:1"))
      .put("checkTimeoutMillis", TIMEOUT);
    if (check != null) {
      config.put("check", check);
    }
    return ProxyOptions.fromJson(config, "config");
  }

  /** One check of {@code address} as a proxy configured with {@code check} runs it. */
  private static Future<Void> check(Vertx vertx, Object check, String address) {
    HealthChecker checker = new HealthChecker(vertx, null, options(check), upstream -> { });
    return checker.check(Upstream.parseAddress(address, "test", 1, 0)).onComplete(done -> checker.stop());
  }

  private static Handler<AsyncResult<Void>> failsWith(VertxTestContext test, String message) {
    return test.failing(e -> test.verify(() -> {
      assertThat(e).hasMessage(message);
      test.completeNow();
    }));
  }
}
