package tcpbalancer.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static tcpbalancer.client.ClientTestSupport.clientConfig;
import static tcpbalancer.client.ClientTestSupport.deployBackends;
import static tcpbalancer.client.ClientTestSupport.deployProxy;
import static tcpbalancer.client.ClientTestSupport.deployWorkers;
import static tcpbalancer.client.ClientTestSupport.runClient;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tcpbalancer.TestImages;
import tcpbalancer.protocol.Frame;
import tcpbalancer.proxy.ProxyVerticle;

@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class ClientEndToEndTest {

  @TempDir
  Path dir;

  private static Path inputFolder() {
    return TestImages.benchImages().get(0).getParent();
  }

  private static List<String> files(Path folder) throws IOException {
    try (Stream<Path> list = Files.list(folder)) {
      return list.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void everyImageIsResizedThroughTheProxyAndThreeBackends(Vertx vertx, VertxTestContext test) {
    Path output = dir.resolve("out");
    List<Path> images = TestImages.benchImages();
    deployWorkers(vertx, 2)
      .compose(w -> deployBackends(vertx, "b1", "b2", "b3"))
      .compose(backends -> deployProxy(vertx, backends))
      .compose(proxy -> runClient(vertx, clientConfig(proxy.actualPort(), inputFolder().toString(), output.toString())
        .put("minConns", 3).put("maxConns", 3).put("window", 1).put("times", 2)
        .put("report", dir.resolve("report.json").toString())))
      .onComplete(test.succeeding(report -> test.verify(() -> {
        assertThat(report.exitCode()).isZero();
        assertThat(report.sent()).isEqualTo(2L * images.size());
        assertThat(report.resizedCount()).isEqualTo(2L * images.size());
        assertThat(report.failedCount()).isZero();
        assertThat(report.backends()).containsOnlyKeys("b1", "b2", "b3");
        assertThat(report.backends().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(2L * images.size());

        List<String> outputs = files(output);
        assertThat(outputs).hasSameSizeAs(images);
        for (String name : outputs) {
          BufferedImage image = ImageIO.read(output.resolve(name).toFile());
          assertThat(image).as(name + " decodes").isNotNull();
          assertThat(name).matches(".*-" + image.getWidth() + "x" + image.getHeight() + "\\.(jpg|png)");
          assertThat(Math.max(image.getWidth(), image.getHeight())).isEqualTo(200);
          if (name.startsWith("dogs_")) {
            assertThat(image.getHeight()).as("EXIF orientation applied: upright").isGreaterThan(image.getWidth());
          }
          if (name.endsWith(".png")) {
            assertThat(ImageIO.getImageReadersBySuffix("png").next().getOriginatingProvider()
              .canDecodeInput(ImageIO.createImageInputStream(output.resolve(name).toFile()))).isTrue();
          }
        }
        JsonObject json = new JsonObject(Files.readString(dir.resolve("report.json")));
        assertThat(json.getJsonObject("images").getLong("resized")).isEqualTo(2L * images.size());
        assertThat(json.getJsonObject("images").getLong("skipped")).isEqualTo(1);
        assertThat(json.getJsonObject("latencyMillis").getDouble("p99")).isPositive();
        assertThat(json.getInteger("exitCode")).isZero();
        test.completeNow();
      })));
  }

  @Test
  void dryRunCountsAndBytesAddUp(Vertx vertx, VertxTestContext test) throws IOException {
    Path input = dir.resolve("in");
    Files.createDirectories(input);
    List<String> names = List.of("a.jpg", "bb.png", "ccc.jpeg");
    for (String name : names) {
      Files.write(input.resolve(name), new byte[] {1, 2, 3});
    }
    int times = 5;
    deployBackends(vertx, "dry")
      .compose(backends -> deployProxy(vertx, backends))
      .compose(proxy -> runClient(vertx, clientConfig(proxy.actualPort(), input.toString(), dir.resolve("out").toString())
        .put("dryRun", true).put("times", times).put("minConns", 2).put("maxConns", 4)))
      .onComplete(test.succeeding(report -> test.verify(() -> {
        JsonObject json = report.toJson();
        assertThat(report.exitCode()).isZero();
        assertThat(json.getJsonObject("images").getLong("sent")).isEqualTo(3L * times);
        assertThat(json.getJsonObject("images").getLong("resized")).isEqualTo(3L * times);
        long requestBytes = 0;
        long responseBytes = 0;
        for (String name : names) {
          String format = name.endsWith(".png") ? "png" : "jpeg";
          requestBytes += Frame.HEADER_SIZE + 6 + 1 + format.length() + 2 + name.length();
          responseBytes += Frame.HEADER_SIZE + 9 + 1 + format.length() + 1 + "dry".length() + 2 + name.length() + 2;
        }
        assertThat(json.getJsonObject("bytes").getLong("sent")).isEqualTo(requestBytes * times);
        assertThat(json.getJsonObject("bytes").getLong("received")).isEqualTo(responseBytes * times);
        assertThat(json.getLong("connections")).isBetween(2L * times, 4L * times);
        assertThat(files(dir.resolve("out"))).as("a dry run writes nothing").isEmpty();
        test.completeNow();
      })));
  }

  /**
   * A run spread over event loops splits each round's connections between them (never more lanes than the fewest
   * connections a round opens) and adds their reports up into one.
   */
  @Test
  void eventLoopsShareEachRoundsConnectionsAndTheirReportsAddUp(Vertx vertx, VertxTestContext test) throws IOException {
    Path input = dir.resolve("in");
    Files.createDirectories(input);
    for (int i = 0; i < 5; i++) {
      Files.write(input.resolve("image-" + i + ".jpg"), new byte[] {1, 2, 3});
    }
    int times = 4;
    deployBackends(vertx, "dry")
      .compose(backends -> deployProxy(vertx, backends))
      .compose(proxy -> {
        JsonObject config = clientConfig(proxy.actualPort(), input.toString(), dir.resolve("out").toString())
          .put("dryRun", true).put("times", times).put("eventLoops", 2);
        Future<RunReport> threeConnections = runClient(vertx, config.copy().put("minConns", 3).put("maxConns", 3));
        return threeConnections.compose(three -> runClient(vertx, config.copy().put("minConns", 1).put("maxConns", 1))
          .map(one -> List.of(three, one)));
      })
      .onComplete(test.succeeding(reports -> test.verify(() -> {
        RunReport three = reports.get(0);
        RunReport one = reports.get(1);
        for (RunReport report : reports) {
          JsonObject json = report.toJson();
          assertThat(report.exitCode()).isZero();
          assertThat(report.sent()).isEqualTo(5L * times);
          assertThat(report.resizedCount()).isEqualTo(5L * times);
          assertThat(report.backends()).containsExactly(Map.entry("dry", 5L * times));
          assertThat(json.getDouble("requestsPerSecond") * json.getDouble("seconds")).isCloseTo(5.0 * times,
            org.assertj.core.data.Offset.offset(0.01));
        }
        assertThat(three.toJson().getInteger("eventLoops")).isEqualTo(2);
        assertThat(three.toJson().getLong("connections")).as("2 + 1 a round").isEqualTo(3L * times);
        assertThat(one.toJson().getInteger("eventLoops")).as("one lane for one connection").isEqualTo(1);
        assertThat(one.toJson().getLong("connections")).isEqualTo(times);
        test.completeNow();
      })));
  }

  @Test
  void aBackendKilledMidRunLosesNoImage(Vertx vertx, VertxTestContext test) {
    Path output = dir.resolve("out");
    ProxyVerticle[] proxy = new ProxyVerticle[1];
    int images = TestImages.benchImages().size();
    // No drain time for the doomed backend: undeploying it drops its connections at once, as a crash would.
    deployWorkers(vertx, 2)
      .compose(w -> ClientTestSupport.deployBackend(vertx, "doomed", new JsonObject().put("drainTimeoutMillis", 0)))
      .compose(doomed -> deployBackends(vertx, "b2", "b3").map(others -> {
        List<ClientTestSupport.Backend> all = new java.util.ArrayList<>(List.of(doomed));
        all.addAll(others);
        return all;
      }))
      .compose(backends -> deployProxy(vertx, backends).compose(p -> {
        proxy[0] = p;
        Future<RunReport> run = runClient(vertx, clientConfig(p.actualPort(), inputFolder().toString(), output.toString())
          .put("minConns", 3).put("maxConns", 3).put("window", 1).put("times", 3));
        // Kill "doomed" as soon as it has answered once: it has more requests on the way.
        Promise<Void> killed = Promise.promise();
        long timer = vertx.setPeriodic(5, id -> {
          if (p.runtime().upstreams().get(0).bytesFromUpstream() > 0) {
            vertx.cancelTimer(id);
            vertx.undeploy(backends.get(0).deploymentId()).onComplete(killed);
          }
        });
        return run.onComplete(done -> vertx.cancelTimer(timer)).map(report -> {
          assertThat(killed.future().succeeded()).as("the backend was killed during the run").isTrue();
          return report;
        });
      }))
      .onComplete(test.succeeding(report -> test.verify(() -> {
        assertThat(report.exitCode()).as(report.toText()).isZero();
        assertThat(report.resizedCount()).isEqualTo(3L * images);
        assertThat(report.toJson().getJsonObject("images").getLong("resent")).isPositive();
        assertThat(files(output)).hasSize(images);
        assertThat(proxy[0].runtime().upstreams().get(0).isUp()).isFalse();
        test.completeNow();
      })));
  }

  @Test
  void badImagesAreReportedWithTheirReasonsAndTheRestIsResized(Vertx vertx, VertxTestContext test) throws IOException {
    assumeTrue(TestImages.haveBadImages(), "../shared/bad-images is not beside the project");
    Path input = dir.resolve("mixed");
    Files.createDirectories(input);
    try (Stream<Path> bad = Files.list(TestImages.badImagesDir())) {
      for (Path file : bad.toList()) {
        Files.copy(file, input.resolve(file.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
    Files.copy(TestImages.benchImage("meadow_"), input.resolve("good.png"));
    Path output = dir.resolve("out");
    deployWorkers(vertx, 2)
      .compose(w -> deployBackends(vertx, "b1"))
      .compose(backends -> deployProxy(vertx, backends))
      .compose(proxy -> runClient(vertx, clientConfig(proxy.actualPort(), input.toString(), output.toString())))
      .onComplete(test.succeeding(report -> test.verify(() -> {
        assertThat(report.exitCode()).isEqualTo(1);
        assertThat(report.resizedCount()).isEqualTo(1);
        assertThat(report.failures()).containsOnlyKeys("empty.jpg", "text.png", "truncated-half.jpg",
          "bomb_30000x30000.png", "random-bytes.jpg");
        assertThat(report.failures().get("empty.jpg")).startsWith("EMPTY_IMAGE");
        assertThat(report.failures().get("text.png")).startsWith("NOT_AN_IMAGE");
        assertThat(report.failures().get("random-bytes.jpg")).startsWith("NOT_AN_IMAGE");
        assertThat(report.failures().get("truncated-half.jpg")).startsWith("CORRUPT_IMAGE").contains("truncated");
        assertThat(report.failures().get("bomb_30000x30000.png")).startsWith("TOO_MANY_PIXELS");
        assertThat(report.toText()).contains("README.md");
        assertThat(files(output)).containsExactly("good-200x150.png");
        test.completeNow();
      })));
  }

  @Test
  void aHostileBackendCannotWriteOutsideTheOutputFolder(Vertx vertx, VertxTestContext test) throws IOException {
    Path input = dir.resolve("in");
    Path output = dir.resolve("deep/out");
    Files.createDirectories(input);
    Files.copy(TestImages.benchImage("meadow_"), input.resolve("photo.png"));
    HostileBackend.start(vertx, List.of("../../x", "/etc/x", "photo.png"))
      .compose(port -> runClient(vertx, clientConfig(port, input.toString(), output.toString()).put("times", 3)
        .put("retries", 0)))
      .onComplete(test.succeeding(report -> test.verify(() -> {
        Set<String> everything;
        try (Stream<Path> all = Files.walk(dir)) {
          everything = all.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).collect(Collectors.toSet());
        }
        assertThat(everything).as("only the input and the one good result")
          .containsExactlyInAnyOrder("in/photo.png", "deep/out/photo-200x150.png");
        assertThat(new File("/etc/x")).doesNotExist();
        assertThat(report.failedCount()).isEqualTo(2);
        assertThat(report.failures().get("photo.png")).contains("answered for another file");
        test.completeNow();
      })));
  }

  @Test
  void aBackendThatNeverAnswersCannotStallTheRun(Vertx vertx, VertxTestContext test) throws IOException {
    Path input = dir.resolve("in");
    Files.createDirectories(input);
    Files.copy(TestImages.benchImage("meadow_"), input.resolve("m.png"));
    vertx.createNetServer().connectHandler(socket -> socket.handler(ignored -> { })).listen(0, "127.0.0.1")
      .compose(silent -> runClient(vertx, clientConfig(silent.actualPort(), input.toString(), dir.resolve("out")
        .toString()).put("requestTimeoutMillis", 200).put("retries", 1)))
      .onComplete(test.succeeding(report -> test.verify(() -> {
        assertThat(report.exitCode()).isEqualTo(1);
        assertThat(report.failures().get("m.png")).startsWith("no answer after 2 attempts")
          .contains("within 200 ms");
        test.completeNow();
      })));
  }

  @Test
  void aFolderWithoutImagesIsAFailure(Vertx vertx, VertxTestContext test) throws IOException {
    Path input = dir.resolve("empty");
    Files.createDirectories(input);
    Files.writeString(input.resolve("notes.txt"), "not an image");
    runClient(vertx, clientConfig(1, input.toString(), dir.resolve("out").toString()))
      .onComplete(test.succeeding(report -> test.verify(() -> {
        assertThat(report.exitCode()).isEqualTo(1);
        assertThat(report.toText()).contains("no JPEG or PNG image in").contains("notes.txt");
        test.completeNow();
      })));
  }

  @Test
  void busyAnswersAreResentAfterAPauseUntilEveryImageIsResized(Vertx vertx, VertxTestContext test) {
    int images = TestImages.benchImages().size();
    // The backend takes 2 requests at a time; the client sends 4 at once: half its requests are refused busy.
    // Resent at once they would use up their resends in milliseconds; after a growing pause they all get in.
    deployWorkers(vertx, 1)
      .compose(w -> ClientTestSupport.deployBackend(vertx, "tight", new JsonObject().put("maxInFlight", 2)))
      .compose(backend -> deployProxy(vertx, List.of(backend)))
      .compose(proxy -> runClient(vertx, clientConfig(proxy.actualPort(), inputFolder().toString(),
        dir.resolve("out").toString()).put("window", 4).put("retries", 20)))
      .onComplete(test.succeeding(report -> test.verify(() -> {
        assertThat(report.exitCode()).as(report.toText()).isZero();
        assertThat(report.resizedCount()).isEqualTo(images);
        assertThat(report.toJson().getJsonObject("images").getLong("resent")).isPositive();
        test.completeNow();
      })));
  }

  @Test
  void anImageOverTheFrameLimitIsReportedAndNotSent(Vertx vertx, VertxTestContext test) throws IOException {
    Path input = dir.resolve("in");
    Files.createDirectories(input);
    Files.copy(TestImages.benchImage("meadow_"), input.resolve("big.png"));          // 378 KB
    Files.copy(TestImages.benchImage("architecture_"), input.resolve("small.jpg"));  // 234 KB
    deployWorkers(vertx, 1)
      .compose(w -> deployBackends(vertx, "b1"))
      .compose(backends -> deployProxy(vertx, backends))
      .compose(proxy -> runClient(vertx, clientConfig(proxy.actualPort(), input.toString(), dir.resolve("out").toString())
        .put("maxFrameSize", 300_000).put("window", 2)))
      .onComplete(test.succeeding(report -> test.verify(() -> {
        assertThat(report.resizedCount()).as(report.toText()).isEqualTo(1);
        assertThat(report.failures()).containsOnlyKeys("big.png");
        assertThat(report.failures().get("big.png")).startsWith("FRAME_TOO_LARGE").contains("not sent");
        assertThat(report.toJson().getJsonObject("images").getLong("resent")).isZero();
        test.completeNow();
      })));
  }
}
