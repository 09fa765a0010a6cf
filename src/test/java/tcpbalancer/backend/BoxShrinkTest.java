package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.junit.jupiter.api.Test;
import tcpbalancer.protocol.ResizeMode;

class BoxShrinkTest {

  @Test
  void eachPixelIsTheMeanOfItsBlock() {
    BufferedImage source = storedOrder(4, 2, false);
    setRgba(source, 0, 0, 10, 20, 30, 255);
    setRgba(source, 1, 0, 20, 40, 60, 255);
    setRgba(source, 0, 1, 30, 60, 90, 255);
    setRgba(source, 1, 1, 40, 80, 120, 255);

    BufferedImage shrunk = halved(source);

    assertThat(shrunk.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
    assertThat(shrunk.getWidth()).isEqualTo(2);
    assertThat(shrunk.getHeight()).isEqualTo(1);
    assertThat(shrunk.getRGB(0, 0)).isEqualTo(0xFF000000 | 25 << 16 | 50 << 8 | 75);
    assertThat(shrunk.getRGB(1, 0)).isEqualTo(0xFF000000); // the other block is black
  }

  @Test
  void colourIsWeighedByAlphaSoThatTransparentPixelsDoNotBleed() {
    BufferedImage source = storedOrder(2, 2, true);
    setRgba(source, 0, 0, 255, 0, 0, 255);
    setRgba(source, 1, 0, 0, 255, 0, 0); // transparent green: counts for its alpha only
    setRgba(source, 0, 1, 0, 255, 0, 0);
    setRgba(source, 1, 1, 0, 255, 0, 0);

    BufferedImage shrunk = halved(source);

    assertThat(shrunk.getType()).isEqualTo(BufferedImage.TYPE_INT_ARGB_PRE);
    int argb = shrunk.getRGB(0, 0); // unpremultiplied by getRGB
    assertThat(argb >>> 24).as("alpha").isEqualTo(64);
    assertThat(argb >> 16 & 0xFF).as("red").isGreaterThanOrEqualTo(254);
    assertThat(argb >> 8 & 0xFF).as("green").isZero();
  }

  @Test
  void whereTheFactorDoesNotDivideASideEachPixelCoversItsShareOfTheSourceSoTheGeometryIsKept() {
    BufferedImage source = new BufferedImage(5, 3, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 3; y++) {
      source.setRGB(2, y, 0xFFFFFF); // the middle column: half in each of the two result columns
      source.setRGB(4, y, 0x00FF00);
    }

    BufferedImage shrunk = halved(source);

    assertThat(shrunk.getWidth()).isEqualTo(2);
    assertThat(shrunk.getHeight()).isEqualTo(1);
    // Each result column covers 2.5 source columns: half of the white one, and the green one whole on the right.
    assertThat(shrunk.getRGB(0, 0) & 0xFFFFFF).isEqualTo(0x333333); // 255 x 0.5 / 2.5 = 51
    assertThat(shrunk.getRGB(1, 0) & 0xFFFFFF).isEqualTo(0x339933); // green 255 x 1.5 / 2.5 = 153
  }

  @Test
  void areaWeightsGiveEveryResultPixelTheSameTotal() {
    AreaWeights weights = AreaWeights.of(1280, 426);
    long[] totals = new long[426];
    for (int i = 0; i < 1280; i++) {
      totals[weights.first[i]] += weights.weight[i];
      if (weights.weight[i] < weights.units) {
        totals[weights.first[i] + 1] += weights.units - weights.weight[i];
      }
    }
    assertThat(totals).containsOnly(1280L);
  }

  @Test
  void aSubImageIsReadFromItsOwnPixels() {
    BufferedImage whole = storedOrder(6, 4, false);
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 6; x++) {
        setRgba(whole, x, y, x * 40, y * 60, 7, 255);
      }
    }
    BufferedImage region = whole.getSubimage(2, 2, 2, 2);

    BufferedImage shrunk = halved(region);

    assertThat(shrunk.getRGB(0, 0)).isEqualTo(0xFF000000 | 100 << 16 | 150 << 8 | 7);
  }

  @Test
  void greyIsCopiedAsStoredIntoRedGreenAndBlue() {
    BufferedImage grey = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY);
    grey.getRaster().setSample(0, 0, 0, 100);
    grey.getRaster().setSample(1, 0, 0, 100);
    grey.getRaster().setSample(0, 1, 0, 100);
    grey.getRaster().setSample(1, 1, 0, 100);

    BufferedImage shrunk = halved(grey);

    assertThat(shrunk.getWidth()).isEqualTo(1);
    assertThat(shrunk.getRGB(0, 0)).isEqualTo(0xFF646464); // not brightened as linear grey through getRGB
  }

  @Test
  void anImageNotWorthShrinkingIsLeftAsItIs() {
    BufferedImage standard = new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB);

    assertThat(BoxShrink.toward(standard, new ImageResizer.Dimensions(200, 133))).isSameAs(standard);
  }

  @Test
  void anImageIsShrunkToOneAndAHalfTimesTheResult() {
    ImageResizer.Dimensions target = new ImageResizer.Dimensions(200, 125);
    for (int[] size : new int[][] {{1280, 800}, {840, 525}, {320, 200}}) {
      BufferedImage shrunk = BoxShrink.toward(new BufferedImage(size[0], size[1], BufferedImage.TYPE_INT_RGB), target);
      assertThat(shrunk.getWidth()).as(size[0] + " wide").isEqualTo(300);
      assertThat(shrunk.getHeight()).as(size[0] + " wide").isEqualTo(187);
    }
    assertThat(BoxShrink.shrinks(10_000, 100, new ImageResizer.Dimensions(200, 2))).isTrue();
    assertThat(BoxShrink.shrinks(10_000, 3, new ImageResizer.Dimensions(200, 2))).isFalse();
  }

  /** Under twice the size, each result pixel covers one source pixel and a share of the next. */
  @Test
  void aRatioUnderTwoSharesTheStraddlingPixels() {
    BufferedImage source = new BufferedImage(3, 1, BufferedImage.TYPE_INT_RGB);
    source.setRGB(0, 0, 0xFFFFFF);
    source.setRGB(2, 0, 0x00FF00);

    BufferedImage shrunk = BoxShrink.shrink(source, 2, 1);

    // 1.5 source columns each: the white one whole and half the black one, then half the black one and the green.
    assertThat(shrunk.getRGB(0, 0) & 0xFFFFFF).isEqualTo(0xAAAAAA); // 255 / 1.5 = 170
    assertThat(shrunk.getRGB(1, 0) & 0xFFFFFF).isEqualTo(0x00AA00);
  }

  @Test
  void pngsToShrinkAreDecodedInTheFilesOwnByteOrderWhichThePngReaderCopiesWholeRows() throws Exception {
    for (int type : new int[] {BufferedImage.TYPE_4BYTE_ABGR, BufferedImage.TYPE_3BYTE_BGR}) {
      BufferedImage image = decodedPng(type, 96, 72, 32, 24);

      int bands = type == BufferedImage.TYPE_4BYTE_ABGR ? 4 : 3;
      assertThat(image.getType()).isEqualTo(BufferedImage.TYPE_CUSTOM);
      assertThat(((PixelInterleavedSampleModel) image.getSampleModel()).getBandOffsets())
        .containsExactly(java.util.stream.IntStream.range(0, bands).toArray());
      assertThat(image.getRGB(5, 6)).isEqualTo(0xFF336699);
    }
  }

  @Test
  void pngsNotToShrinkKeepTheLayoutImgscalrDrawsFrom() throws Exception {
    assertThat(decodedPng(BufferedImage.TYPE_4BYTE_ABGR, 40, 30, 32, 24).getType())
      .isEqualTo(BufferedImage.TYPE_4BYTE_ABGR);
  }

  private static BufferedImage decodedPng(int type, int width, int height, int boxWidth, int boxHeight)
    throws Exception {
    BufferedImage original = new BufferedImage(width, height, type);
    original.setRGB(5, 6, 0xFF336699);
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(original, "png", png);
    byte[] bytes = png.toByteArray();
    ImageInputStream input = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes));
    ImageReader reader = SourceFormat.readerFor(input);
    SourceDecoder.Decoded decoded = new SourceDecoder(1 << 20, 1 << 20, new DecodeBudget(1 << 26), null)
      .decode(reader, input, bytes, ImageResizer.PNG, boxWidth, boxHeight, ResizeMode.FIT);
    decoded.reservation().close();
    reader.dispose();
    return decoded.image();
  }

  /** An image laid out as the PNG reader is asked to decode 8-bit RGB(A) into: bytes in R, G, B, A order. */
  private static BufferedImage storedOrder(int width, int height, boolean alpha) {
    ComponentColorModel model = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), alpha, false,
      alpha ? Transparency.TRANSLUCENT : Transparency.OPAQUE, DataBuffer.TYPE_BYTE);
    WritableRaster raster = model.createCompatibleWritableRaster(width, height);
    return new BufferedImage(model, raster, false, null);
  }

  private static BufferedImage halved(BufferedImage image) {
    return BoxShrink.shrink(image, image.getWidth() / 2, image.getHeight() / 2);
  }

  private static void setRgba(BufferedImage image, int x, int y, int r, int g, int b, int a) {
    WritableRaster raster = image.getRaster();
    int[] samples = raster.getNumBands() == 4 ? new int[] {r, g, b, a} : new int[] {r, g, b};
    raster.setPixel(x, y, samples);
  }
}
