package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tcpbalancer.protocol.ResizeMode;

/**
 * Every PNG colour type and bit depth keeps its tone through a resize. Each source is made here: a horizontal grey
 * gradient from 10 % to 60 % (mean 0.35, like ImageMagick's {@code gradient:gray10-gray60}) and, where the type has
 * alpha, a vertical alpha ramp from 100 % to 60 % (a palette carries one alpha of 80 % in its tRNS chunk).
 *
 * <p>Tone is read from the samples as stored, as PNG defines them (no gamma conversion either way), so that a
 * decoder's colour-space handling cannot hide a change: grey is the mean of the colour samples, and the mean grey
 * is weighted by alpha (a pixel counts as much as it is seen).
 */
class PngColourTypesTest {

  private static final int WIDTH = 400;
  private static final int HEIGHT = 200;
  private static final int BOX = 100;
  private static final double DARKEST = 0.10;
  private static final double LIGHTEST = 0.60;
  private static final double PALETTE_ALPHA = 0.8;
  /** Half a percent of the range: a resize averages neighbours, it does not shift a smooth gradient's tone. */
  private static final double MEAN_TOLERANCE = 0.005;
  /** Two levels in 255: an 8-bit result rounds, and bicubic filtering reaches a pixel past its own footprint. */
  private static final double SAMPLE_TOLERANCE = 2.0 / 255;

  private static final int GREY = 0;
  private static final int RGB = 2;
  private static final int PALETTE = 3;
  private static final int GREY_ALPHA = 4;
  private static final int RGBA = 6;

  private final ImageResizer resizer = new ImageResizer(ResizeWorkerOptions.fromJson(null, "config"));

  /** One PNG colour type at one bit depth. */
  record Kind(String name, int colourType, int bitDepth) {
    boolean alpha() {
      return colourType == GREY_ALPHA || colourType == RGBA;
    }

    @Override
    public String toString() {
      return name + " " + bitDepth + "-bit";
    }
  }

  static Stream<Kind> kinds() {
    return Stream.of(
      new Kind("grey", GREY, 8), new Kind("grey", GREY, 16),
      new Kind("grey+alpha", GREY_ALPHA, 8), new Kind("grey+alpha", GREY_ALPHA, 16),
      new Kind("palette", PALETTE, 8), new Kind("palette+tRNS", PALETTE, 8),
      new Kind("RGB", RGB, 8), new Kind("RGB", RGB, 16),
      new Kind("RGBA", RGBA, 8), new Kind("RGBA", RGBA, 16));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void theToneIsKept(Kind kind) throws IOException {
    byte[] png = encode(source(kind));
    assertThat(png[25]).as("IHDR colour type").isEqualTo((byte) kind.colourType());
    assertThat(png[24]).as("IHDR bit depth").isEqualTo((byte) kind.bitDepth());
    assertThat(new String(png, java.nio.charset.StandardCharsets.ISO_8859_1).contains("tRNS"))
      .as("tRNS chunk").isEqualTo(kind.name().endsWith("tRNS"));
    BufferedImage source = decode(png);

    ResizedImage result = resizer.resize(png, BOX, BOX, ResizeMode.FIT);
    BufferedImage resized = decode(result.bytes());

    assertThat(resized.getWidth()).isEqualTo(BOX);
    assertThat(resized.getHeight()).isEqualTo(BOX / 2);
    assertThat(meanGrey(source)).as("source mean grey").isCloseTo((DARKEST + LIGHTEST) / 2, within(0.01));
    assertThat(meanGrey(resized)).as("mean grey, alpha-weighted").isCloseTo(meanGrey(source), within(MEAN_TOLERANCE));
    int[][] samples = {{0, 0}, {BOX / 2, BOX / 4}, {BOX - 1, BOX / 2 - 1}, {BOX / 4, BOX / 2 - 1}};
    for (int[] at : samples) {
      double[] expected = footprint(source, at[0], at[1], resized);
      double[] actual = greyAlpha(resized, at[0], at[1]);
      assertThat(actual[0]).as("grey at %d,%d", at[0], at[1]).isCloseTo(expected[0], within(SAMPLE_TOLERANCE));
      assertThat(actual[1]).as("alpha at %d,%d", at[0], at[1]).isCloseTo(expected[1], within(SAMPLE_TOLERANCE));
    }
  }

  /** The gradient written through the colour model that makes ImageIO's PNG writer pick {@code kind}. */
  private static BufferedImage source(Kind kind) {
    if (kind.colourType() == PALETTE) {
      return palette(kind.name().endsWith("tRNS"));
    }
    boolean colour = kind.colourType() == RGB || kind.colourType() == RGBA;
    ColorSpace space = ColorSpace.getInstance(colour ? ColorSpace.CS_sRGB : ColorSpace.CS_GRAY);
    int bands = (colour ? 3 : 1) + (kind.alpha() ? 1 : 0);
    int[] bits = new int[bands];
    java.util.Arrays.fill(bits, kind.bitDepth());
    ColorModel model = new ComponentColorModel(space, bits, kind.alpha(), false,
      kind.alpha() ? Transparency.TRANSLUCENT : Transparency.OPAQUE,
      kind.bitDepth() == 16 ? DataBuffer.TYPE_USHORT : DataBuffer.TYPE_BYTE);
    WritableRaster raster = model.createCompatibleWritableRaster(WIDTH, HEIGHT);
    int max = (1 << kind.bitDepth()) - 1;
    for (int y = 0; y < HEIGHT; y++) {
      for (int x = 0; x < WIDTH; x++) {
        int grey = (int) Math.round(grey(x) * max);
        for (int band = 0; band < (colour ? 3 : 1); band++) {
          raster.setSample(x, y, band, grey);
        }
        if (kind.alpha()) {
          raster.setSample(x, y, bands - 1, (int) Math.round(alpha(y) * max));
        }
      }
    }
    return new BufferedImage(model, raster, false, null);
  }

  /**
   * A 256-entry palette spanning only the gradient's greys: not the identity ramp, which the writer would store as
   * colour type 0 instead.
   */
  private static BufferedImage palette(boolean withAlpha) {
    byte[] greys = new byte[256];
    byte[] alphas = new byte[256];
    for (int i = 0; i < 256; i++) {
      greys[i] = (byte) Math.round((DARKEST + (LIGHTEST - DARKEST) * i / 255.0) * 255);
      alphas[i] = (byte) Math.round((withAlpha ? PALETTE_ALPHA : 1.0) * 255);
    }
    IndexColorModel model = withAlpha ? new IndexColorModel(8, 256, greys, greys, greys, alphas)
      : new IndexColorModel(8, 256, greys, greys, greys);
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_BYTE_INDEXED, model);
    WritableRaster raster = image.getRaster();
    for (int y = 0; y < HEIGHT; y++) {
      for (int x = 0; x < WIDTH; x++) {
        raster.setSample(x, y, 0, (int) Math.round((grey(x) - DARKEST) / (LIGHTEST - DARKEST) * 255));
      }
    }
    return image;
  }

  private static double grey(int x) {
    return DARKEST + (LIGHTEST - DARKEST) * x / (WIDTH - 1);
  }

  private static double alpha(int y) {
    return 1.0 - 0.4 * y / (HEIGHT - 1);
  }

  /** Sum of grey times alpha over the sum of alpha. */
  private static double meanGrey(BufferedImage image) {
    double weightedGrey = 0;
    double weight = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        double[] pixel = greyAlpha(image, x, y);
        weightedGrey += pixel[0] * pixel[1];
        weight += pixel[1];
      }
    }
    return weightedGrey / weight;
  }

  /** The source's alpha-weighted grey and mean alpha over the block of pixels that one result pixel stands for. */
  private static double[] footprint(BufferedImage source, int x, int y, BufferedImage result) {
    int scaleX = source.getWidth() / result.getWidth();
    int scaleY = source.getHeight() / result.getHeight();
    double weightedGrey = 0;
    double weight = 0;
    for (int sy = y * scaleY; sy < (y + 1) * scaleY; sy++) {
      for (int sx = x * scaleX; sx < (x + 1) * scaleX; sx++) {
        double[] pixel = greyAlpha(source, sx, sy);
        weightedGrey += pixel[0] * pixel[1];
        weight += pixel[1];
      }
    }
    return new double[] {weightedGrey / weight, weight / (scaleX * scaleY)};
  }

  /**
   * Grey (the mean of the colour samples) and alpha of one pixel, each from 0 to 1, read from the stored samples:
   * a palette's entries, or a component image's raster, scaled by its sample size.
   */
  private static double[] greyAlpha(BufferedImage image, int x, int y) {
    ColorModel model = image.getColorModel();
    if (model instanceof IndexColorModel palette) {
      int index = image.getRaster().getSample(x, y, 0);
      double grey = (palette.getRed(index) + palette.getGreen(index) + palette.getBlue(index)) / 3.0 / 255;
      return new double[] {grey, palette.getAlpha(index) / 255.0};
    }
    assertThat(model).as("decoded colour model").isInstanceOf(ComponentColorModel.class);
    Raster raster = image.getRaster();
    int colours = model.getNumColorComponents();
    double grey = 0;
    for (int band = 0; band < colours; band++) {
      grey += raster.getSample(x, y, band) / max(model, band);
    }
    double alpha = model.hasAlpha() ? raster.getSample(x, y, colours) / max(model, colours) : 1.0;
    return new double[] {grey / colours, alpha};
  }

  private static double max(ColorModel model, int band) {
    return (1 << model.getComponentSize(band)) - 1;
  }

  private static byte[] encode(BufferedImage image) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    assertThat(ImageIO.write(image, "png", bytes)).as("a PNG writer").isTrue();
    return bytes.toByteArray();
  }

  private static BufferedImage decode(byte[] bytes) throws IOException {
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
    assertThat(image).as("decodes").isNotNull();
    return image;
  }
}
