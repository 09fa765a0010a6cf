package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tcpbalancer.TestImages;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.Status;
import tcpbalancer.protocol.StatusException;

class ImageResizerTest {

  private final ImageResizer resizer = new ImageResizer(ResizeWorkerOptions.fromJson(null, "config"));

  static Stream<Path> benchImages() {
    return TestImages.benchImages().stream();
  }

  @ParameterizedTest
  @MethodSource("benchImages")
  void everyBenchImageFitsTheBoxInItsOwnFormat(Path file) throws Exception {
    ResizedImage result = resizer.resize(TestImages.read(file), 200, 200, ResizeMode.FIT);

    BufferedImage decoded = decode(result.bytes());
    assertThat(result.format()).isEqualTo(TestImages.formatOf(file));
    assertThat(formatName(result.bytes())).isEqualTo(result.format());
    assertThat(decoded.getWidth()).isEqualTo(result.width()).isBetween(1, 200);
    assertThat(decoded.getHeight()).isEqualTo(result.height()).isBetween(1, 200);
    assertThat(Math.max(decoded.getWidth(), decoded.getHeight())).as("fills the box one way").isEqualTo(200);
  }

  @Test
  void exifOrientationSixComesOutUpright() throws Exception {
    Path dogs = TestImages.benchImage("dogs_");
    ResizedImage result = resizer.resize(TestImages.read(dogs), 200, 200, ResizeMode.FIT);

    // Stored 3088x2056 (landscape) with orientation 6: shown 2056x3088, so the result is portrait.
    assertThat(result.height()).isEqualTo(200);
    assertThat(result.width()).isBetween(132, 134);
  }

  @Test
  void alphaChannelIsKeptInPng() throws Exception {
    ResizedImage result = resizer.resize(TestImages.read(TestImages.benchImage("flower_")), 200, 200, ResizeMode.FIT);

    BufferedImage decoded = decode(result.bytes());
    assertThat(decoded.getColorModel().hasAlpha()).isTrue();
    int cornerAlpha = decoded.getRGB(0, 0) >>> 24;
    int centreAlpha = decoded.getRGB(decoded.getWidth() / 2, decoded.getHeight() / 2) >>> 24;
    assertThat(cornerAlpha).as("transparent corner").isLessThan(128);
    assertThat(centreAlpha).as("opaque centre").isEqualTo(255);
  }

  @Test
  void greyJpegStaysGrey() throws Exception {
    ResizedImage result = resizer.resize(TestImages.read(TestImages.benchImage("architecture_")), 200, 200,
      ResizeMode.FIT);

    assertThat(decode(result.bytes()).getColorModel().getNumColorComponents()).isEqualTo(1);
  }

  @Test
  void cmykJpegIsDecodedWithTrueColours() throws Exception {
    // The dune photo is warm sand under a blue sky: inverted or unconverted CMYK would not be.
    ResizedImage result = resizer.resize(TestImages.read(TestImages.benchImage("dune_")), 160, 100, ResizeMode.FIT);

    BufferedImage decoded = decode(result.bytes());
    assertThat(decoded.getWidth()).isEqualTo(160);
    long red = 0;
    long blue = 0;
    for (int y = decoded.getHeight() / 2; y < decoded.getHeight(); y++) {
      for (int x = 0; x < decoded.getWidth(); x++) {
        int rgb = decoded.getRGB(x, y);
        red += (rgb >> 16) & 0xFF;
        blue += rgb & 0xFF;
      }
    }
    assertThat(red).as("sand is more red than blue").isGreaterThan(blue);
  }

  @Test
  void exactModeForcesTheSize() throws Exception {
    ResizedImage result = resizer.resize(TestImages.read(TestImages.benchImage("meadow_")), 300, 50, ResizeMode.EXACT);

    BufferedImage decoded = decode(result.bytes());
    assertThat(decoded.getWidth()).isEqualTo(300);
    assertThat(decoded.getHeight()).isEqualTo(50);
  }

  @Test
  void fitKeepsTheAspectRatio() {
    assertThat(ImageResizer.targetSize(4000, 1000, 200, 200, ResizeMode.FIT))
      .isEqualTo(new ImageResizer.Dimensions(200, 50));
    assertThat(ImageResizer.targetSize(10, 5000, 200, 200, ResizeMode.FIT))
      .isEqualTo(new ImageResizer.Dimensions(1, 200));
  }

  @Test
  void aThinStripIsFittedToTheNearestPixel() {
    // 4000x60 into 200x200 is exactly 200x3; the size is computed from the header, not from a subsampled read.
    ResizedImage result = resizer.resize(TestImages.synthetic(4000, 60, "png"), 200, 200, ResizeMode.FIT);

    assertThat(result.width()).isEqualTo(200);
    assertThat(result.height()).isEqualTo(3);
  }

  static Stream<Arguments> hugeResults() {
    return Stream.of(Arguments.of(ResizeMode.FIT, "20000x15000"), Arguments.of(ResizeMode.EXACT, "20000x20000"));
  }

  /** A tiny image asked at a huge size is refused from its header: no result is ever allocated. */
  @ParameterizedTest
  @MethodSource("hugeResults")
  void aResultOverThePixelLimitIsRefusedBeforeDecoding(ResizeMode mode, String size) {
    byte[] tiny = TestImages.synthetic(64, 48, "jpeg");

    assertThatThrownBy(() -> resizer.resize(tiny, 20_000, 20_000, mode))
      .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.status()).isEqualTo(Status.TOO_MANY_PIXELS))
      .hasMessageContaining("the result would be " + size);
  }

  @Test
  void theResultLimitIsConfigurable() {
    ImageResizer strict = new ImageResizer(new ResizeWorkerOptions(1_000_000, 100 * 100 - 1, 90));
    byte[] small = TestImages.synthetic(64, 48, "png");

    assertThat(strict.resize(small, 99, 99, ResizeMode.EXACT).width()).isEqualTo(99);
    assertThatThrownBy(() -> strict.resize(small, 100, 100, ResizeMode.EXACT))
      .hasMessageContaining("100x100");
  }

  static Stream<Arguments> badImages() {
    return Stream.of(
      Arguments.of("empty.jpg", Status.EMPTY_IMAGE, "empty"),
      Arguments.of("text.png", Status.NOT_AN_IMAGE, "not an image"),
      Arguments.of("random-bytes.jpg", Status.NOT_AN_IMAGE, "not an image"),
      Arguments.of("truncated-half.jpg", Status.CORRUPT_IMAGE, "truncated"),
      Arguments.of("bomb_30000x30000.png", Status.TOO_MANY_PIXELS, "30000x30000"));
  }

  @ParameterizedTest
  @MethodSource("badImages")
  void badImagesAreRefusedWithTheirReason(String name, Status status, String reason) {
    assumeTrue(TestImages.haveBadImages(), "../shared/bad-images is not beside the project");
    byte[] bytes = TestImages.read(TestImages.badImagesDir().resolve(name));

    assertThatThrownBy(() -> resizer.resize(bytes, 200, 200, ResizeMode.FIT))
      .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.status()).isEqualTo(status))
      .hasMessageContaining(reason);
  }

  @Test
  void aProgressiveJpegReadFromItsFirstScanStaysCloseToAFullSizeReference() throws Exception {
    byte[] progressive = TestImages.progressiveJpeg();
    ImageResizer.Scaled ours = resizer.scale(progressive, 200, 200, ResizeMode.FIT);

    BufferedImage reference = org.imgscalr.Scalr.resize(ImageIO.read(new ByteArrayInputStream(progressive)),
      org.imgscalr.Scalr.Method.ULTRA_QUALITY, org.imgscalr.Scalr.Mode.FIT_EXACT, 200, 125);
    assertThat(Psnr.of(ours.image(), reference)).as("PSNR (dB)").isGreaterThan(30.0);
  }

  @Test
  void aTruncatedProgressiveJpegIsRefusedEvenWhenItsFirstScanWouldDo() {
    byte[] progressive = TestImages.progressiveJpeg();
    byte[] truncated = java.util.Arrays.copyOf(progressive, progressive.length * 3 / 5);

    assertThatThrownBy(() -> resizer.resize(truncated, 200, 200, ResizeMode.FIT))
      .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.status()).isEqualTo(Status.CORRUPT_IMAGE))
      .hasMessageContaining("truncated");
  }

  @Test
  void pixelLimitIsConfigurable() {
    ImageResizer strict = new ImageResizer(new ResizeWorkerOptions(640 * 480 - 1, 1_000_000, 90));
    byte[] meadow = TestImages.read(TestImages.benchImage("meadow_"));

    assertThatThrownBy(() -> strict.resize(meadow, 100, 100, ResizeMode.FIT))
      .hasMessageContaining("640x480");
  }

  private static BufferedImage decode(byte[] bytes) throws IOException {
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
    assertThat(image).as("result decodes").isNotNull();
    return image;
  }

  private static String formatName(byte[] bytes) {
    boolean png = bytes.length > 4 && bytes[0] == (byte) 0x89 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G';
    boolean jpeg = bytes.length > 3 && bytes[0] == (byte) 0xFF && bytes[1] == (byte) 0xD8;
    return png ? "png" : jpeg ? "jpeg" : "unknown";
  }

  /**
   * Speed is not bought with visibly worse images: a large source is read subsampled and scaled in cheap halving
   * steps first, and the resized image stays within 30 dB PSNR of imgscalr's ultra-quality resize of the fully
   * decoded source (both before encoding).
   */
  @ParameterizedTest
  @MethodSource("benchImages")
  void subsampledReadsStayCloseToAFullSizeReference(Path file) throws Exception {
    ImageResizer.Scaled ours = resizer.scale(TestImages.read(file), 200, 200, ResizeMode.FIT);

    BufferedImage full = ImageIO.read(new ByteArrayInputStream(TestImages.read(file)));
    boolean sideways = file.getFileName().toString().contains("orientation6");
    int width = sideways ? ours.image().getHeight() : ours.image().getWidth();
    int height = sideways ? ours.image().getWidth() : ours.image().getHeight();
    BufferedImage reference = org.imgscalr.Scalr.resize(full, org.imgscalr.Scalr.Method.ULTRA_QUALITY,
      org.imgscalr.Scalr.Mode.FIT_EXACT, width, height);
    if (sideways) {
      reference = org.imgscalr.Scalr.rotate(reference, org.imgscalr.Scalr.Rotation.CW_90);
    }
    assertThat(Psnr.of(ours.image(), reference)).as(file.getFileName() + " PSNR (dB)").isGreaterThan(30.0);
  }

  @Test
  void largeSourcesAreReadSubsampledButNeverBelowFourTimesTheResult() {
    assertThat(SourceDecoder.subsampling(4224, 3168, new ImageResizer.Dimensions(200, 150))).isEqualTo(5);
    assertThat(SourceDecoder.subsampling(640, 480, new ImageResizer.Dimensions(200, 150))).isEqualTo(1);
    assertThat(SourceDecoder.subsampling(10_000, 100, new ImageResizer.Dimensions(200, 2))).isEqualTo(12);
  }
}
