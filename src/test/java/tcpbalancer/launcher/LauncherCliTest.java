package tcpbalancer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tcpbalancer.TestImages;
import tcpbalancer.client.ResizeConnection;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;
import tcpbalancer.testing.JarProcess;

/** The jar's command line as a user meets it: real processes, real exit codes, real signals. */
class LauncherCliTest {

  private static final String LISTENING = "Backend (\\S+) listening on 127\\.0\\.0\\.1:(\\d+)";
  private static Vertx vertx;

  @TempDir
  Path dir;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void closeVertx() {
    vertx.close().await();
  }

  private JarProcess run(String... args) throws Exception {
    return JarProcess.launcher(dir, args);
  }

  @Test
  void noArgumentsPrintsUsageAndExits2() throws Exception {
    try (JarProcess launcher = run()) {
      assertThat(launcher.exitCode()).isEqualTo(2);
      assertThat(launcher.stderr()).contains("Usage: java -jar tcpbalancer.jar COMMAND").contains("backend");
    }
  }

  @Test
  void helpListsTheCommandsAndExits0() throws Exception {
    for (String help : List.of("--help", "-help", "help")) {
      try (JarProcess launcher = run(help)) {
        assertThat(launcher.exitCode()).isZero();
        assertThat(launcher.stdout()).contains("Usage: java -jar tcpbalancer.jar COMMAND").contains("backend")
          .contains("proxy").contains("client").contains("-conf");
      }
    }
  }

  /** Picocli formats each description (a lone % breaks it): a broken one is printed raw, with a warning. */
  @Test
  void eachProgramsHelpIsPrintedWhole() throws Exception {
    for (String program : List.of("client", "proxy", "backend")) {
      try (JarProcess launcher = run(program, "--help")) {
        assertThat(launcher.exitCode()).as(program).isZero();
        assertThat(launcher.stdout()).as(program).contains("Usage: tcpbalancer.jar " + program);
        assertThat(launcher.stderr()).as(program + "'s help has no description picocli cannot format")
          .doesNotContain("Could not format");
        if (program.equals("proxy")) {
          assertThat(launcher.stdout().replaceAll("\\s+", " ")).contains("from 5% to all of it");
        }
      }
    }
  }

  @Test
  void launcherOptionsWithoutAConfigAreRefused() throws Exception {
    try (JarProcess launcher = run("-cluster", "-cluster-host", "127.0.0.1")) {
      assertThat(launcher.exitCode()).isEqualTo(2);
      assertThat(launcher.stderr()).contains("nothing to deploy: give -conf FILE.json");
    }
  }

  @Test
  void aTopLevelTypoInTheConfigIsNamed() throws Exception {
    try (JarProcess launcher = run("-conf", "{\"verticals\": {\"b\": {\"verticle\": \"backend\"}}}")) {
      assertThat(launcher.exitCode()).isEqualTo(15);
      assertThat(launcher.stderr()).contains("cannot start: verticals: unknown key (known keys: debug, loglevel, "
        + "verticles)");
    }
  }

  /**
   * A SIGTERM while the deployment is still starting (the second proxy instance, or a backend announcing itself to
   * the cluster, after the first port opened) stops it cleanly: Vert.x's stop waits for the start-up to finish,
   * then undoes it. The exit status is 143 (128 + SIGTERM), as for any stop by that signal: the JVM reports it.
   */
  @RepeatedTest(2)
  void aSigtermDuringStartUpOfAProxyStopsItCleanly() throws Exception {
    try (JarProcess proxy = run("proxy", "-p", "0", "--host", "127.0.0.1", "--instances", "2", "-u", "127.0.0.1:9")) {
      proxy.awaitLine("listening on 127\\.0\\.0\\.1:\\d+");
      assertThat(proxy.terminate()).isEqualTo(143);
      assertCleanStop(proxy);
    }
  }

  /** The same for a clustered backend, launched with the Vert.x launcher's own -cluster options. */
  @RepeatedTest(2)
  void aSigtermDuringStartUpOfAClusteredBackendStopsItCleanly() throws Exception {
    JsonObject plan = new JsonObject().put("verticles", new JsonObject()
      .put("workers", new JsonObject().put("verticle", "resize-worker").put("instances", 1))
      .put("backend", new JsonObject().put("config", new JsonObject().put("host", "127.0.0.1").put("port", 0))));
    Map<String, String> env = Map.of("TCPBALANCER_CLUSTER_NAME", "cli-test-" + UUID.randomUUID(),
      "TCPBALANCER_CLUSTER_PORT", "5871", "TCPBALANCER_CLUSTER_MEMBERS", "127.0.0.1:5871");
    try (JarProcess backend = JarProcess.launcher(dir, env, List.of(), "-conf", plan.encode(), "-cluster",
      "-cluster-host", "127.0.0.1")) {
      backend.awaitLine(LISTENING);
      assertThat(backend.terminate()).isEqualTo(143);
      assertCleanStop(backend);
      assertThat(backend.stderr()).as("it had joined the cluster").contains("Joined the cluster");
    }
  }

  private static void assertCleanStop(JarProcess process) {
    assertThat(process.stderr()).doesNotContain("Promise already completed").doesNotContain("cannot start")
      .doesNotContain("Exception");
  }

  @Test
  void missingRequiredFlagIsNamed() throws Exception {
    try (JarProcess launcher = run("backend", "--name", "b1")) {
      assertThat(launcher.exitCode()).isEqualTo(2);
      assertThat(launcher.stderr()).contains("Missing required option: '--port=N'");
    }
  }

  @Test
  void portOutOfRangeIsNamedWithItsValue() throws Exception {
    try (JarProcess launcher = run("backend", "-p", "70000")) {
      assertThat(launcher.exitCode()).isEqualTo(2);
      assertThat(launcher.stderr()).contains("port: must be between 0 and 65535, got 70000");
    }
  }

  @Test
  void badLoglevelIsRefused() throws Exception {
    try (JarProcess launcher = run("backend", "-p", "0", "--loglevel", "7")) {
      assertThat(launcher.exitCode()).isEqualTo(2);
      assertThat(launcher.stderr()).contains("loglevel: must be between 0 and 1, got 7");
    }
  }

  @Test
  void unknownCommandIsRefused() throws Exception {
    try (JarProcess launcher = run("balance", "-p", "1")) {
      assertThat(launcher.exitCode()).isEqualTo(2);
      assertThat(launcher.stderr()).contains("unknown command 'balance'");
    }
  }

  @Test
  void missingConfFileIsNamed() throws Exception {
    try (JarProcess launcher = run("-conf", "missing.json")) {
      assertThat(launcher.exitCode()).isEqualTo(2);
      assertThat(launcher.stderr()).contains("-conf missing.json: no such file");
    }
  }

  @Test
  void confFileThatIsNotJsonIsRefused() throws Exception {
    Files.writeString(dir.resolve("broken.json"), "{ \"verticles\": ");
    try (JarProcess launcher = run("-conf", "broken.json")) {
      assertThat(launcher.exitCode()).isEqualTo(2);
      assertThat(launcher.stderr()).contains("-conf broken.json: not a valid JSON object");
    }
  }

  @Test
  void unknownVerticleFailsTheDeploymentWithItsName() throws Exception {
    Files.writeString(dir.resolve("plan.json"), "{ \"verticles\": { \"lb\": { \"verticle\": \"balancer\" } } }");
    try (JarProcess launcher = run("-conf", "plan.json")) {
      assertThat(launcher.exitCode()).isEqualTo(15);
      assertThat(launcher.stderr()).contains("cannot start: verticles.lb.verticle: unknown verticle");
    }
  }

  @Test
  void backendCommandServesAndStopsOnSigterm() throws Exception {
    try (JarProcess launcher = run("backend", "-p", "0", "--host", "127.0.0.1", "--name", "b1", "--workers", "1")) {
      Matcher listening = launcher.awaitLine(LISTENING);
      assertThat(listening.group(1)).isEqualTo("b1");

      ResizeResponse answer = resizeOne(Integer.parseInt(listening.group(2)));
      assertThat(answer.status()).as(answer.message()).isEqualTo(Status.OK);
      assertThat(answer.backend()).isEqualTo("b1");
      assertThat(answer.width()).isEqualTo(64);

      assertThat(launcher.terminate()).as("exit on SIGTERM").isEqualTo(143);
    }
  }

  @Test
  void confFileWithEnvironmentOverride() throws Exception {
    Path plan = dir.resolve("backend.json");
    Files.copy(Path.of("src/main/resources/conf/backend.json"), plan);
    Map<String, String> env = Map.of(
      "verticles.backend.config.name", "from-env",
      "verticles.backend.config.port", "0",
      "verticles.backend.config.host", "127.0.0.1",
      "verticles.resize-workers.instances", "1");
    try (JarProcess launcher = JarProcess.launcher(dir, env, List.of(), "-conf", plan.toString())) {
      Matcher listening = launcher.awaitLine(LISTENING);
      assertThat(listening.group(1)).isEqualTo("from-env");
      assertThat(resizeOne(Integer.parseInt(listening.group(2))).backend()).isEqualTo("from-env");
      launcher.terminate();
    }
  }

  @Test
  void debugWritesAFlightRecordingAtExit() throws Exception {
    try (JarProcess launcher = run("backend", "-p", "0", "--host", "127.0.0.1", "--workers", "1", "--debug")) {
      Matcher recording = launcher.awaitLine("recording will be written to (\\S+\\.jfr) at exit");
      launcher.awaitLine(LISTENING);
      launcher.terminate();

      Path file = Path.of(recording.group(1));
      assertThat(file.getParent()).isEqualTo(dir.toRealPath());
      assertThat(file).isRegularFile();
      assertThat(Files.size(file)).isPositive();
    }
  }

  private static ResizeResponse resizeOne(int port) throws Exception {
    NetClient client = vertx.createNetClient();
    try {
      Path image = TestImages.benchImage("meadow_");
      return ResizeConnection.connect(client, SocketAddress.inetSocketAddress(port, "127.0.0.1"), 1 << 24)
        .compose(connection -> connection.send(new ResizeRequest("meadow.png", "png", 64, 64, ResizeMode.FIT, false,
          Buffer.buffer(TestImages.read(image)))))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } finally {
      client.close();
    }
  }

  @Test
  void proxyNeedsAtLeastOneUpstream() throws Exception {
    try (JarProcess launcher = run("proxy", "-p", "0")) {
      assertThat(launcher.exitCode()).isEqualTo(2);
      assertThat(launcher.stderr()).contains("-u HOST:PORT: give at least one upstream, or --cluster");
    }
  }

  @Test
  void proxyRefusesAMalformedUpstream() throws Exception {
    try (JarProcess launcher = run("proxy", "-p", "0", "-u", "localhost")) {
      assertThat(launcher.exitCode()).isEqualTo(2);
      assertThat(launcher.stderr()).contains("upstreams[0]: must be host:port with a port of 1..65535, got 'localhost'");
    }
  }

  @Test
  void proxyCommandRelaysToABackend() throws Exception {
    try (JarProcess backend = run("backend", "-p", "0", "--host", "127.0.0.1", "--name", "b1", "--workers", "1")) {
      int backendPort = Integer.parseInt(backend.awaitLine(LISTENING).group(2));
      try (JarProcess proxy = run("proxy", "-p", "0", "--host", "127.0.0.1", "-u", "127.0.0.1:" + backendPort,
        "--maxconns", "10", "--strategy", "least-connections", "--loglevel", "1")) {
        int proxyPort = Integer.parseInt(proxy.awaitLine("Proxy \\S+ listening on 127\\.0\\.0\\.1:(\\d+), balancing "
          + "\\(least-connections\\)").group(1));

        ResizeResponse answer = resizeOne(proxyPort);
        assertThat(answer.status()).as(answer.message()).isEqualTo(Status.OK);
        assertThat(answer.backend()).isEqualTo("b1");
        assertThat(proxy.terminate()).isEqualTo(143);
      }
    }
  }

  @Test
  void clientNeedsItsRequiredFlags() throws Exception {
    try (JarProcess launcher = run("client", "--input", ".", "--output", "out", "-w", "10", "-h", "10")) {
      assertThat(launcher.exitCode()).isEqualTo(2);
      assertThat(launcher.stderr()).contains("Missing required option: '--proxy=HOST:PORT'");
    }
  }

  @Test
  void clientRefusesBadValues() throws Exception {
    try (JarProcess launcher = run("client", "--proxy", "127.0.0.1:1", "--input", ".", "--output", "out",
      "-w", "0", "-h", "10")) {
      assertThat(launcher.exitCode()).isEqualTo(2);
      assertThat(launcher.stderr()).contains("width: must be between 1 and 65535, got 0");
    }
    try (JarProcess launcher = run("client", "--proxy", "127.0.0.1:1", "--input", ".", "--output", "out",
      "-w", "10", "-h", "10", "--minconns", "5", "--maxconns", "2")) {
      assertThat(launcher.exitCode()).isEqualTo(2);
      assertThat(launcher.stderr()).contains("maxConns: must be at least minConns (5), got 2");
    }
    try (JarProcess launcher = run("client", "--proxy", "127.0.0.1:1", "--input", "no-such-folder",
      "--output", "out", "-w", "10", "-h", "10")) {
      assertThat(launcher.exitCode()).isEqualTo(2);
      assertThat(launcher.stderr()).contains("--input: no such folder: no-such-folder");
    }
  }

  @Test
  void clientWithoutAProxyFailsEveryImageAndExits1() throws Exception {
    Path input = Files.createDirectories(dir.resolve("in"));
    Files.copy(TestImages.benchImage("meadow_"), input.resolve("m.png"));
    // One second of reconnecting instead of the default minute: the client still has to give up by itself.
    try (JarProcess launcher = run("client", "--proxy", "127.0.0.1:1", "--input", "in", "--output", "out",
      "-w", "10", "-h", "10", "--reconnect-timeout", "1")) {
      assertThat(launcher.exitCode()).isEqualTo(1);
      assertThat(launcher.stdout()).contains("1 sent, 0 resized, 1 failed").contains("m.png: cannot connect to the proxy");
    }
  }

  /** The README's main command: the all-in-one demo, as shipped (only its folders moved to a temporary one). */
  @Test
  void theDemoResizesTheSamplesThroughThreeBackendsAndExits0() throws Exception {
    Path output = dir.resolve("resized");
    try (JarProcess demo = JarProcess.launcher(dir, Map.of(), List.of(
        "-Dverticles.client.config.input=" + Path.of("samples").toAbsolutePath(),
        "-Dverticles.client.config.output=" + output),
      "-conf", Path.of("src/main/resources/conf/demo.json").toAbsolutePath().toString())) {
      assertThat(demo.exitCode()).as(demo.stderr()).isZero();
      long samples;
      try (var files = Files.list(Path.of("samples"))) {
        samples = files.filter(f -> f.toString().matches(".*\\.(jpg|png)")).count();
      }
      assertThat(demo.stdout()).contains(samples + " sent, " + samples + " resized, 0 failed")
        .contains("backend-1").contains("backend-2").contains("backend-3");
      try (var results = Files.list(output)) {
        assertThat(results.count()).isEqualTo(samples);
      }
    }
  }
}
