package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real protocol that nobody here wrote passes through the proxy unchanged: Redis, driven by redis-cli and
 * redis-benchmark (Debian's redis-server and redis-tools; .ci/run installs them).
 */
@Timeout(120)
class RedisThroughProxyTest {

  private static Vertx vertx;
  private static Process redis;
  private static int proxyPort;
  private static UpstreamState redisState;
  /** Redis is not a tcpbalancer backend: it is checked with PING, which it answers +PONG. */
  private static final JsonObject REDIS_PING = new JsonObject().put("send", hex("PING\r\n"))
    .put("expect", hex("+PONG"));

  @BeforeAll
  static void startRedisAndProxy() throws Exception {
    boolean installed = Files.isExecutable(Path.of("/usr/bin/redis-server"))
      && Files.isExecutable(Path.of("/usr/bin/redis-benchmark"));
    if (!installed && System.getenv("CI") != null) {
      fail("redis-server and redis-benchmark are not installed (.ci/run installs them with apt-get)");
    }
    assumeTrue(installed, "redis-server and redis-tools are not installed");

    int redisPort = freeLoopbackPort();
    redis = new ProcessBuilder("redis-server", "--port", String.valueOf(redisPort), "--bind", "127.0.0.1",
      "--save", "", "--appendonly", "no", "--daemonize", "no").redirectErrorStream(true).start();
    awaitOutput(redis, "Ready to accept connections");

    vertx = Vertx.vertx();
    ProxyVerticle proxy = ProxyTestSupport.deploy(vertx, new JsonObject().put("host", "127.0.0.1").put("port", 0)
      .put("upstreams", new JsonArray().add("127.0.0.1:" + redisPort))
      .put("check", REDIS_PING).put("checkIntervalMillis", 100).put("fall", 1), 1).await().instances().get(0);
    proxyPort = proxy.actualPort();
    redisState = proxy.runtime().upstreams().get(0);
  }

  @AfterAll
  static void stop() {
    if (vertx != null) {
      vertx.close().await();
    }
    if (redis != null) {
      redis.destroyForcibly();
    }
  }

  @Test
  void commandsAndRepliesPassUnchanged() throws Exception {
    assertThat(run("redis-cli", "-h", "127.0.0.1", "-p", String.valueOf(proxyPort), "SET", "greeting", "héllo wörld"))
      .isEqualTo("OK");
    assertThat(run("redis-cli", "-h", "127.0.0.1", "-p", String.valueOf(proxyPort), "GET", "greeting"))
      .isEqualTo("héllo wörld");
  }

  @Test
  void thePingCheckPassesRedisAndAWrongAnswerFailsIt() {
    HealthChecker ping = checker(REDIS_PING);
    HealthChecker expectingPang = checker(REDIS_PING.copy().put("expect", hex("+PANG")));
    try {
      ping.check(redisState.upstream()).await();
      assertThatThrownBy(() -> expectingPang.check(redisState.upstream()).await())
        .hasMessage("unexpected bytes 2b504f4e47 (expected 2b50414e47)");
    } finally {
      ping.stop();
      expectingPang.stop();
    }
  }

  @Test
  void redisBenchmarkRunsWithoutErrors() throws Exception {
    String output = run("redis-benchmark", "-h", "127.0.0.1", "-p", String.valueOf(proxyPort),
      "-n", "20000", "-c", "20", "-t", "set,get,incr,lpush,lpop", "-q");

    Matcher result = Pattern.compile("(?m)^(SET|GET|INCR|LPUSH|LPOP): ([0-9.]+) requests per second").matcher(output);
    List<String> commands = new ArrayList<>();
    while (result.find()) {
      commands.add(result.group(1));
      assertThat(Double.parseDouble(result.group(2))).isPositive();
    }
    assertThat(commands).as(output).containsExactlyInAnyOrder("SET", "GET", "INCR", "LPUSH", "LPOP");
    assertThat(output).doesNotContainIgnoringCase("error");
    assertThat(redisState.isUp()).as("one failed PING check, every 100 ms, would have taken it down").isTrue();
  }

  private static String run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail(String.join(" ", command) + " did not finish within 120 s");
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(process.exitValue()).as(output).isZero();
    return output;
  }

  private static void awaitOutput(Process process, String line) throws IOException {
    BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    String next;
    while ((next = reader.readLine()) != null) {
      seen.append(next).append('\n');
      if (next.contains(line)) {
        Thread drain = new Thread(() -> {
          try {
            reader.transferTo(java.io.Writer.nullWriter());
          } catch (IOException e) {
            // the process is gone
          }
        });
        drain.setDaemon(true);
        drain.start();
        return;
      }
    }
    fail("redis-server exited before it was ready:\n" + seen);
  }

  private static HealthChecker checker(JsonObject check) {
    ProxyOptions options = ProxyOptions.fromJson(new JsonObject().put("port", 0).put("check", check)
      .put("upstreams", new JsonArray().add(redisState.upstream().address())), "config");
    return new HealthChecker(vertx, null, options, upstream -> { });
  }

  private static String hex(String text) {
    return HexFormat.of().formatHex(text.getBytes(StandardCharsets.US_ASCII));
  }

  /** A port for redis-server, which cannot report a port it picked itself. */
  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
