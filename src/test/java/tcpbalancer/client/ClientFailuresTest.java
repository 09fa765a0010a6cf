package tcpbalancer.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static tcpbalancer.client.ClientTestSupport.clientConfig;
import static tcpbalancer.client.ClientTestSupport.files;
import static tcpbalancer.client.ClientTestSupport.runClient;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tcpbalancer.TestImages;
import tcpbalancer.testing.Topology;

/**
 * What a run does with what cannot be resized: every such image is reported with its reason, nothing stalls
 * the run, and no answer writes outside the output folder.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class ClientFailuresTest {

  @TempDir
  Path dir;

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
    new Topology().workers(2).backend("b1").proxy("lb", "b1").deploy(vertx)
      .compose(deployed -> runClient(vertx, clientConfig(deployed.port("lb"), input.toString(), output.toString())))
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
    vertx.createNetServer().connectHandler(socket -> socket.handler(ignored -> { })).listen(0, Topology.HOST)
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
        assertThat(report.toText()).contains("no image (JPEG, PNG, WebP, BMP, TIFF, GIF) in").contains("notes.txt");
        test.completeNow();
      })));
  }

  @Test
  void anImageOverTheFrameLimitIsReportedAndNotSent(Vertx vertx, VertxTestContext test) throws IOException {
    Path input = dir.resolve("in");
    Files.createDirectories(input);
    Files.copy(TestImages.benchImage("meadow_"), input.resolve("big.png"));          // 378 KB
    Files.copy(TestImages.benchImage("architecture_"), input.resolve("small.jpg"));  // 234 KB
    new Topology().workers(1).backend("b1").proxy("lb", "b1").deploy(vertx)
      .compose(deployed -> runClient(vertx, clientConfig(deployed.port("lb"), input.toString(),
        dir.resolve("out").toString()).put("maxFrameSize", 300_000).put("window", 2)))
      .onComplete(test.succeeding(report -> test.verify(() -> {
        assertThat(report.resizedCount()).as(report.toText()).isEqualTo(1);
        assertThat(report.failures()).containsOnlyKeys("big.png");
        assertThat(report.failures().get("big.png")).startsWith("FRAME_TOO_LARGE").contains("not sent");
        assertThat(report.toJson().getJsonObject("images").getLong("resent")).isZero();
        test.completeNow();
      })));
  }

  @Test
  void aWriteErrorCarriesTheOperatingSystemsReason(Vertx vertx, VertxTestContext test) throws IOException {
    Path input = dir.resolve("in");
    Path output = dir.resolve("out");
    Files.createDirectories(input);
    Files.copy(TestImages.benchImage("meadow_"), input.resolve("m.png"));
    // Before answering, the backend replaces the output folder by a file: a write that fails even for root.
    FakeBackend.start(vertx, (connection, request) -> {
      try {
        Files.delete(output);
        Files.writeString(output, "not a folder");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return FakeBackend.ok(request, FakeBackend.PNG);
    })
      .compose(port -> runClient(vertx, clientConfig(port, input.toString(), output.toString())))
      .onComplete(test.succeeding(report -> test.verify(() -> {
        assertThat(report.exitCode()).isEqualTo(1);
        assertThat(report.failures().get("m.png")).startsWith("cannot write").endsWith(": Not a directory");
        test.completeNow();
      })));
  }

  @Test
  void anAnswerThatIsNotAnImageOfItsFormatIsAFailureAndNotWritten(Vertx vertx, VertxTestContext test)
    throws IOException {
    Path input = dir.resolve("in");
    Path output = dir.resolve("out");
    Files.createDirectories(input);
    Files.copy(TestImages.benchImage("meadow_"), input.resolve("photo.png"));
    HostileBackend.start(vertx, List.of("photo.png"), Buffer.buffer("<html>not a png</html>"))
      .compose(port -> runClient(vertx, clientConfig(port, input.toString(), output.toString()).put("retries", 0)))
      .onComplete(test.succeeding(report -> test.verify(() -> {
        assertThat(report.exitCode()).isEqualTo(1);
        assertThat(report.failures().get("photo.png")).contains("evil").contains("not a PNG image");
        assertThat(files(output)).isEmpty();
        test.completeNow();
      })));
  }

  @Test
  void anInputThatIsAFileIsSaidToBeAFile(Vertx vertx, VertxTestContext test) throws IOException {
    Path file = dir.resolve("photo.jpg");
    Files.write(file, new byte[] {1, 2, 3});
    runClient(vertx, clientConfig(1, file.toString(), dir.resolve("out").toString()))
      .onComplete(test.failing(e -> test.verify(() -> {
        assertThat(e.getMessage()).contains("is a file, not a folder");
        test.completeNow();
      })));
  }
}
