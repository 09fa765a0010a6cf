package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static tcpbalancer.backend.ImageComparison.MID_GREY;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.stream.Stream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageOutputStream;
import org.imgscalr.Scalr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tcpbalancer.TestImages;
import tcpbalancer.protocol.OutputFormat;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.Status;
import tcpbalancer.protocol.StatusException;

/**
 * WebP, BMP, TIFF and GIF sources are read (found from their bytes) and written as PNG by default, or as the
 * format asked. BMP, TIFF and GIF files are made here with ImageIO's writers; the WebP files, which no Java writer
 * makes, were made with libvips (src/test/resources/images/README.md).
 */
class InputFormatsTest {

  private final ImageResizer resizer = new ImageResizer(ResizeWorkerOptions.fromJson(null, "config"));

  /** A source made from the meadow photograph, and how it was encoded. */
  record Source(String format, byte[] bytes, BufferedImage pixels) {
    @Override
    public String toString() {
      return format;
    }
  }

  static Stream<Source> sources() {
    BufferedImage meadow = Scalr.resize(decode(TestImages.read(TestImages.benchImage("meadow_"))),
      Scalr.Method.ULTRA_QUALITY, Scalr.Mode.FIT_EXACT, 160, 120);
    return Stream.of(
      new Source("bmp", write(meadow, "bmp"), meadow),
      new Source("tiff", write(meadow, "tiff"), meadow),
      new Source("webp", resource("meadow-lossy.webp"), decode(resource("meadow-srgb.png"))),
      new Source("webp+alpha", resource("flower-alpha.webp"), decode(resource("flower-alpha.webp"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sources")
  void isReadFromItsBytesAndWrittenAsPngByDefault(Source source) {
    ResizedImage result = resizer.resize(source.bytes(), 80, 80, ResizeMode.FIT);

    assertThat(result.format()).isEqualTo("png");
    assertThat(ImageComparison.formatFound(result.bytes())).isEqualTo("png");
    BufferedImage decoded = ImageComparison.decode(result.bytes());
    int height = (int) Math.round(80.0 * source.pixels().getHeight() / source.pixels().getWidth());
    assertThat(new int[] {decoded.getWidth(), decoded.getHeight()}).containsExactly(80, height);
    assertThat(decoded.getColorModel().hasAlpha()).isEqualTo(source.pixels().getColorModel().hasAlpha());
    BufferedImage reference = Scalr.resize(source.pixels(), Scalr.Method.ULTRA_QUALITY, Scalr.Mode.FIT_EXACT, 80,
      height);
    // The lossy WebP is compared with the PNG it was made from, so its own compression counts against it.
    assertThat(ImageComparison.psnr(decoded, reference, MID_GREY)).as("PSNR (dB)").isGreaterThan(30.0);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sources")
  void isWrittenAsAJpegWhenAsked(Source source) {
    ResizedImage result = resizer.resize(source.bytes(), 64, 64, ResizeMode.FILL, OutputFormat.JPEG, 80);

    assertThat(result.format()).isEqualTo("jpeg");
    assertThat(ImageComparison.formatFound(result.bytes())).isEqualTo("jpeg");
    BufferedImage decoded = ImageComparison.decode(result.bytes());
    assertThat(new int[] {decoded.getWidth(), decoded.getHeight()}).containsExactly(64, 64);
  }

  /** Fill reads the centred region the box keeps, from every reader: the result shows that crop, not a squashed image. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("sources")
  void fillShowsTheCentredCrop(Source source) {
    ResizedImage result = resizer.resize(source.bytes(), 40, 40, ResizeMode.FILL, OutputFormat.PNG, 0);

    BufferedImage decoded = ImageComparison.decode(result.bytes());
    BufferedImage pixels = source.pixels();
    int side = Math.min(pixels.getWidth(), pixels.getHeight());
    BufferedImage centre = pixels.getSubimage((pixels.getWidth() - side) / 2, (pixels.getHeight() - side) / 2, side,
      side);
    BufferedImage reference = Scalr.resize(centre, Scalr.Method.ULTRA_QUALITY, Scalr.Mode.FIT_EXACT, 40, 40);
    assertThat(ImageComparison.psnr(decoded, reference, MID_GREY)).as("PSNR (dB) against the centred crop")
      .isGreaterThan(30.0);
  }

  /** An animated GIF gives its first frame: the second, of another colour, must not show. */
  @Test
  void aGifGivesItsFirstFrame() throws IOException {
    byte[] gif = animatedGif(solid(120, 60, 0x2060C0), solid(120, 60, 0xE04010));

    ResizedImage result = resizer.resize(gif, 40, 40, ResizeMode.FIT);

    assertThat(result.format()).isEqualTo("png");
    BufferedImage decoded = ImageComparison.decode(result.bytes());
    assertThat(new int[] {decoded.getWidth(), decoded.getHeight()}).containsExactly(40, 20);
    assertThat(decoded.getRGB(20, 10) & 0xFFFFFF).isEqualTo(0x2060C0);
  }

  /** A JPEG whose name says PNG is resized as the JPEG it is: the name is never looked at, the bytes are. */
  @Test
  void theFormatComesFromTheBytesNotTheName() {
    byte[] jpeg = TestImages.read(TestImages.benchImage("forest-path_"));

    ResizedImage result = resizer.resize(jpeg, 100, 100, ResizeMode.FIT);

    assertThat(result.format()).isEqualTo("jpeg");
    assertThat(ImageComparison.formatFound(result.bytes())).isEqualTo("jpeg");
  }

  @Test
  void aCutShortWebpIsRefusedAsCorrupt() {
    byte[] webp = resource("meadow-lossy.webp");
    byte[] half = java.util.Arrays.copyOf(webp, webp.length / 2);

    assertThatThrownBy(() -> resizer.resize(half, 50, 50, ResizeMode.FIT))
      .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.status()).isEqualTo(Status.CORRUPT_IMAGE));
  }

  private static BufferedImage solid(int width, int height, int rgb) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, rgb);
      }
    }
    return image;
  }

  private static byte[] animatedGif(BufferedImage... frames) throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ImageOutputStream output = ImageIO.createImageOutputStream(bytes)) {
      writer.setOutput(output);
      writer.prepareWriteSequence(null);
      for (BufferedImage frame : frames) {
        IIOMetadata metadata = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(frame), null);
        writer.writeToSequence(new IIOImage(frame, null, metadata), null);
      }
      writer.endWriteSequence();
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }

  private static byte[] write(BufferedImage image, String format) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      assertThat(ImageIO.write(image, format, bytes)).as("a " + format + " writer").isTrue();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static byte[] resource(String name) {
    try (InputStream in = InputFormatsTest.class.getResourceAsStream("/images/" + name)) {
      assertThat(in).as("test resource images/" + name).isNotNull();
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static BufferedImage decode(byte[] bytes) {
    return ImageComparison.decode(bytes);
  }
}
