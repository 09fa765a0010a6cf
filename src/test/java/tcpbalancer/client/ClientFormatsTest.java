package tcpbalancer.client;

import static org.assertj.core.api.Assertions.assertThat;
import static tcpbalancer.client.ClientTestSupport.clientConfig;
import static tcpbalancer.client.ClientTestSupport.files;
import static tcpbalancer.client.ClientTestSupport.runClient;

import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tcpbalancer.TestImages;
import tcpbalancer.protocol.OutputFormat;
import tcpbalancer.testing.Topology;

/**
 * The client finds WebP, BMP, TIFF and GIF inputs by their bytes, whatever their names, asks for the mode, format and
 * quality it was given, and names each result after the format it really is.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class ClientFormatsTest {

  @TempDir
  Path dir;

  /** One image of every input format, most under a name that does not say what it is. */
  private Path inputs() throws IOException {
    Path input = dir.resolve("in");
    Files.createDirectories(input);
    BufferedImage meadow = ImageIO.read(TestImages.benchImage("meadow_").toFile());
    Files.write(input.resolve("meadow.bin"), resource("meadow-lossy.webp"));
    Files.write(input.resolve("picture"), encode(meadow, "bmp"));
    Files.write(input.resolve("scan.tiff"), encode(meadow, "tiff"));
    Files.write(input.resolve("anim.gif"), encode(meadow, "gif"));
    Files.copy(TestImages.benchImage("forest-path_"), input.resolve("fake.png")); // a JPEG named .png
    Files.writeString(input.resolve("BM notes.txt"), "BM is how this text starts, not a bitmap header at all");
    return input;
  }

  @Test
  void everyInputFormatIsFoundByContentAndEachResultIsNamedForItsFormat(Vertx vertx, VertxTestContext test)
    throws IOException {
    Path input = inputs();
    Path output = dir.resolve("out");
    new Topology().workers(2).backend("b1").proxy("lb", "b1").deploy(vertx)
      .compose(deployed -> runClient(vertx, clientConfig(deployed.port("lb"), input.toString(), output.toString())
        .put("width", 80).put("height", 60).put("mode", "fill")))
      .onComplete(test.succeeding(report -> test.verify(() -> {
        assertThat(report.exitCode()).as(report.toText()).isZero();
        assertThat(report.resizedCount()).isEqualTo(5);
        assertThat(report.toJson().getJsonArray("skippedFiles").getList()).containsExactly("BM notes.txt");
        assertThat(files(output)).containsExactlyInAnyOrder("anim-80x60.png", "fake-80x60.jpg",
          "meadow-80x60.png", "picture-80x60.png", "scan-80x60.png");
        assertThat(ImageSignatures.formatOf(Files.readAllBytes(output.resolve("fake-80x60.jpg")), 3))
          .isEqualTo("jpeg");
        test.completeNow();
      })));
  }

  @Test
  void askedForJpegEveryResultIsAJpegNamedSo(Vertx vertx, VertxTestContext test) throws IOException {
    Path input = inputs();
    Path output = dir.resolve("out");
    new Topology().workers(2).backend("b1").proxy("lb", "b1").deploy(vertx)
      .compose(deployed -> runClient(vertx, clientConfig(deployed.port("lb"), input.toString(), output.toString())
        .put("width", 80).put("height", 80).put("format", "jpeg").put("quality", 60)))
      .onComplete(test.succeeding(report -> test.verify(() -> {
        assertThat(report.exitCode()).as(report.toText()).isZero();
        assertThat(files(output)).containsExactlyInAnyOrder("anim-80x60.jpg", "fake-80x50.jpg",
          "meadow-80x60.jpg", "picture-80x60.jpg", "scan-80x60.jpg");
        for (String name : files(output)) {
          assertThat(ImageSignatures.formatOf(Files.readAllBytes(output.resolve(name)), 3)).as(name).isEqualTo("jpeg");
        }
        test.completeNow();
      })));
  }

  @Test
  void signaturesNameEachFormatAndNothingElse() throws IOException {
    BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
    for (String format : List.of("png", "jpeg", "bmp", "tiff", "gif")) {
      byte[] bytes = encode(image, format);
      assertThat(ImageSignatures.formatOf(bytes, bytes.length)).as(format).isEqualTo(format);
    }
    byte[] webp = resource("flower-alpha.webp");
    assertThat(ImageSignatures.formatOf(webp, webp.length)).isEqualTo("webp");
    byte[] riffWave = "RIFF\0\0\0\0WAVEfmt ".getBytes(StandardCharsets.US_ASCII);
    assertThat(ImageSignatures.formatOf(riffWave, riffWave.length)).as("a RIFF that is not WebP").isNull();
    byte[] text = "BM is not enough for a bitmap".getBytes(StandardCharsets.US_ASCII);
    assertThat(ImageSignatures.formatOf(text, text.length)).as("text starting with BM").isNull();
  }

  /** Results that one name would share (a.png and a.webp both give a PNG) get numbered names. */
  @Test
  void sourcesOfDifferentFormatsWithOneResultNameGetDistinctNames() throws IOException {
    Path input = dir.resolve("in");
    Files.createDirectories(input);
    Files.write(input.resolve("a.png"), TestImages.synthetic(20, 20, "png"));
    Files.write(input.resolve("a.webp"), resource("flower-alpha.webp"));
    Files.write(input.resolve("b.jpg"), TestImages.synthetic(20, 20, "jpeg"));
    Files.write(input.resolve("b.png"), TestImages.synthetic(20, 20, "png"));

    assertThat(ImageScanner.scan(input).images()).extracting(ImageFile::resultStem)
      .containsExactly("a", "a-2", "b", "b");
    assertThat(ImageScanner.scan(input, OutputFormat.JPEG).images()).extracting(ImageFile::resultStem)
      .containsExactly("a", "a-2", "b", "b-2");
  }

  private static byte[] encode(BufferedImage image, String format) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    assertThat(ImageIO.write(image, format, bytes)).as("a " + format + " writer").isTrue();
    return bytes.toByteArray();
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = ClientFormatsTest.class.getResourceAsStream("/images/" + name)) {
      assertThat(in).as(name).isNotNull();
      return in.readAllBytes();
    }
  }
}
