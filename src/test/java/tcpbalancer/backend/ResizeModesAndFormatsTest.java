package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static tcpbalancer.backend.ImageComparison.MID_GREY;
import static tcpbalancer.backend.ImageComparison.WHITE;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.imgscalr.Scalr;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tcpbalancer.TestImages;
import tcpbalancer.protocol.OutputFormat;
import tcpbalancer.protocol.ResizeMode;

/**
 * Every image of the bench set (../shared/bench-images, else samples/) in every mode and every output format: the
 * result has the size the mode defines, is an image of the format asked (read from its bytes), and shows what an
 * ultra-quality imgscalr resize of the fully decoded source shows, within a PSNR bound.
 */
class ResizeModesAndFormatsTest {

  private static final int BOX_WIDTH = 200;
  private static final int BOX_HEIGHT = 150;
  /**
   * The bound of ImageResizerTest's quality check (30 dB, before encoding), less what a JPEG at quality 90 costs a
   * 200-pixel photograph: the result is compared after encoding, as a user sees it.
   */
  private static final double MIN_PSNR = 28.0;

  private static final ImageResizer RESIZER = new ImageResizer(ResizeWorkerOptions.fromJson(null, "config"));
  /** Each source decoded once, in full, for the references. */
  private static final Map<Path, BufferedImage> FULL = new ConcurrentHashMap<>();

  static Stream<Arguments> cases() {
    return TestImages.benchImages().stream().flatMap(file -> Stream.of(ResizeMode.values())
      .flatMap(mode -> Stream.of(OutputFormat.values()).map(format -> Arguments.of(file.getFileName().toString(),
        file, mode, format))));
  }

  @ParameterizedTest(name = "{0} {2} {3}")
  @MethodSource("cases")
  void theResultHasTheModesSizeTheFormatAskedAndTheSourcesContent(String name, Path file, ResizeMode mode,
                                                                 OutputFormat output) throws Exception {
    byte[] source = TestImages.read(file);
    ResizedImage result = RESIZER.resize(source, BOX_WIDTH, BOX_HEIGHT, mode, output, 0);

    String expectedFormat = output == OutputFormat.PNG || (output == OutputFormat.SAME && name.endsWith(".png"))
      ? "png" : "jpeg";
    assertThat(result.format()).isEqualTo(expectedFormat);
    assertThat(ImageComparison.formatFound(result.bytes())).as("format read from the bytes").isEqualTo(expectedFormat);
    BufferedImage decoded = ImageComparison.decode(result.bytes());
    assertThat(decoded.getWidth()).isEqualTo(result.width());
    assertThat(decoded.getHeight()).isEqualTo(result.height());

    BufferedImage full = FULL.computeIfAbsent(file, f -> decodeFully(source));
    boolean sideways = name.contains("orientation6"); // stored landscape, shown portrait
    int shownWidth = sideways ? full.getHeight() : full.getWidth();
    int shownHeight = sideways ? full.getWidth() : full.getHeight();
    int[] expected = expectedSize(shownWidth, shownHeight, mode);
    assertThat(new int[] {result.width(), result.height()}).as("size in %s mode", mode).containsExactly(expected);

    BufferedImage reference = reference(full, mode, sideways, expected[0], expected[1]);
    boolean alphaSource = full.getColorModel().hasAlpha();
    assertThat(decoded.getColorModel().hasAlpha()).as("alpha kept in PNG only")
      .isEqualTo(alphaSource && expectedFormat.equals("png"));
    boolean greySource = full.getColorModel().getNumColorComponents() == 1;
    assertThat(decoded.getColorModel().getNumColorComponents()).as("grey stays grey").isEqualTo(greySource ? 1 : 3);
    // JPEG has no alpha: the source's transparent parts are white in it.
    int background = expectedFormat.equals("jpeg") ? WHITE : MID_GREY;
    assertThat(ImageComparison.psnr(decoded, reference, background)).as("PSNR (dB) against the reference")
      .isGreaterThan(MIN_PSNR);
  }

  /** The size each mode defines for a source shown {@code width} x {@code height}. */
  private static int[] expectedSize(int width, int height, ResizeMode mode) {
    if (mode != ResizeMode.FIT) {
      return new int[] {BOX_WIDTH, BOX_HEIGHT};
    }
    double scale = Math.min((double) BOX_WIDTH / width, (double) BOX_HEIGHT / height);
    return new int[] {(int) Math.round(width * scale), (int) Math.round(height * scale)};
  }

  /**
   * The fully decoded source, cropped to the box's aspect ratio around its centre in fill mode, resized with
   * imgscalr's ultra quality in one go, and turned upright.
   */
  private static BufferedImage reference(BufferedImage full, ResizeMode mode, boolean sideways, int width,
                                         int height) {
    int storedWidth = sideways ? height : width;
    int storedHeight = sideways ? width : height;
    BufferedImage region = full;
    if (mode == ResizeMode.FILL) {
      double scale = Math.max((double) storedWidth / full.getWidth(), (double) storedHeight / full.getHeight());
      int cropWidth = (int) Math.min(full.getWidth(), Math.round(storedWidth / scale));
      int cropHeight = (int) Math.min(full.getHeight(), Math.round(storedHeight / scale));
      region = full.getSubimage((full.getWidth() - cropWidth) / 2, (full.getHeight() - cropHeight) / 2, cropWidth,
        cropHeight);
    }
    BufferedImage resized = Scalr.resize(region, Scalr.Method.ULTRA_QUALITY, Scalr.Mode.FIT_EXACT, storedWidth,
      storedHeight);
    return sideways ? Scalr.rotate(resized, Scalr.Rotation.CW_90) : resized;
  }

  private static BufferedImage decodeFully(byte[] source) {
    try {
      return ImageIO.read(new ByteArrayInputStream(source));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
