package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tcpbalancer.TestImages;
import tcpbalancer.protocol.OutputFormat;
import tcpbalancer.protocol.ResizeMode;

/**
 * Results as libvips reads them (Debian's {@code libvips-tools}, which .ci/run installs; elsewhere the test is
 * skipped): the size asked, grey as grey ({@code b-w}), alpha as a fourth band in PNG, and no ICC profile, EXIF or
 * XMP block, nor PNG text.
 */
class VipsReadsResultsTest {

  @TempDir
  Path dir;

  static Stream<Arguments> results() {
    return Stream.of(
      Arguments.of("meadow-adobergb.jpg", OutputFormat.JPEG, ResizeMode.FILL, "srgb", 3),
      Arguments.of("meadow-adobergb.jpg", OutputFormat.PNG, ResizeMode.EXACT, "srgb", 3),
      Arguments.of("meadow-adobergb.tif", OutputFormat.SAME, ResizeMode.FILL, "srgb", 3),
      Arguments.of("flower-alpha.webp", OutputFormat.SAME, ResizeMode.FILL, "srgb", 4),
      Arguments.of("flower-alpha.webp", OutputFormat.JPEG, ResizeMode.FILL, "srgb", 3),
      Arguments.of("architecture_", OutputFormat.PNG, ResizeMode.FILL, "b-w", 1),
      Arguments.of("architecture_", OutputFormat.JPEG, ResizeMode.FILL, "b-w", 1),
      Arguments.of("forest-path_", OutputFormat.SAME, ResizeMode.FILL, "srgb", 3));
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("results")
  void vipsReadsTheSizeBandsAndNoMetadata(String source, OutputFormat format, ResizeMode mode, String interpretation,
                                          int bands) throws Exception {
    assumeTrue(onPath("vipsheader"), "vipsheader (libvips-tools) is not installed");
    byte[] bytes = source.endsWith("_") ? TestImages.read(TestImages.benchImage(source))
      : InputFormatsTest.resource(source);
    ResizedImage result = new ImageResizer(ResizeWorkerOptions.fromJson(null, "config"))
      .resize(bytes, 48, 40, mode, format, 0);
    Path file = dir.resolve("result." + (result.format().equals("jpeg") ? "jpg" : "png"));
    Files.write(file, result.bytes());

    Map<String, String> header = vipsHeader(file);

    assertThat(header.get("width")).isEqualTo("48");
    assertThat(header.get("height")).isEqualTo("40");
    assertThat(header.get("bands")).isEqualTo(String.valueOf(bands));
    assertThat(header.get("interpretation")).isEqualTo(interpretation);
    assertThat(header.get("vips-loader")).isEqualTo(result.format().equals("jpeg") ? "jpegload" : "pngload");
    assertThat(header.keySet()).as("fields vips finds")
      .noneMatch(key -> key.startsWith("icc-profile") || key.startsWith("exif") || key.startsWith("xmp")
        || key.startsWith("png-comment") || key.equals("jpeg-comment"));
  }

  private static Map<String, String> vipsHeader(Path file) throws IOException, InterruptedException {
    Process vips = new ProcessBuilder("vipsheader", "-a", file.toString()).redirectErrorStream(true).start();
    String output = new String(vips.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(vips.waitFor(30, TimeUnit.SECONDS)).as("vipsheader finished").isTrue();
    assertThat(vips.exitValue()).as(output).isZero();
    Map<String, String> fields = new HashMap<>();
    for (String line : output.split("\n")) {
      int colon = line.indexOf(": ");
      if (colon > 0 && !line.startsWith(file.toString())) {
        fields.put(line.substring(0, colon).trim(), line.substring(colon + 2).trim());
      }
    }
    return fields;
  }

  private static boolean onPath(String command) {
    for (String folder : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(folder, command))) {
        return true;
      }
    }
    return false;
  }
}
