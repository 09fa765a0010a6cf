package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static tcpbalancer.backend.ImageComparison.MID_GREY;

import com.drew.imaging.ImageMetadataReader;
import com.drew.metadata.Directory;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tcpbalancer.TestImages;
import tcpbalancer.protocol.OutputFormat;
import tcpbalancer.protocol.ResizeMode;

/**
 * Results are sRGB without a profile, carry no metadata, keep grey grey and alpha alpha (in PNG), and a request's
 * JPEG quality is the one used.
 */
class ColourAndMetadataTest {

  /** The only JPEG markers a result may hold: no APPn but JFIF's APP0, no comment. */
  private static final Set<Integer> IMAGE_MARKERS = Set.of(0xD8, 0xE0, 0xDB, 0xC0, 0xC1, 0xC2, 0xC4, 0xDD, 0xDA);
  /** The only PNG chunks a result may hold: no text, no profile, no EXIF. */
  private static final Set<String> IMAGE_CHUNKS = Set.of("IHDR", "PLTE", "tRNS", "IDAT", "IEND");

  private final ImageResizer resizer = new ImageResizer(ResizeWorkerOptions.fromJson(null, "config"));

  /**
   * The meadow in Adobe RGB with the profile embedded, in each format that can embed one, comes out as the sRGB
   * meadow does; its samples read as sRGB (the profile ignored) would not.
   */
  @ParameterizedTest
  @ValueSource(strings = {"meadow-adobergb.png", "meadow-adobergb.tif", "meadow-adobergb.jpg", "meadow-adobergb.webp"})
  void anEmbeddedProfileIsConvertedToSrgb(String file) {
    byte[] adobeRgb = InputFormatsTest.resource(file);
    BufferedImage expected = ImageComparison.decode(
      resizer.resize(InputFormatsTest.resource("meadow-srgb.png"), 60, 45, ResizeMode.FIT).bytes());

    ResizedImage result = resizer.resize(adobeRgb, 60, 45, ResizeMode.FIT, OutputFormat.PNG, 0);

    BufferedImage converted = ImageComparison.decode(result.bytes());
    assertThat(ImageComparison.psnr(converted, expected, MID_GREY)).as("PSNR (dB) against the sRGB original")
      .isGreaterThan(38.0);
    assertThat(pngChunks(result.bytes())).as("PNG chunks").isSubsetOf(IMAGE_CHUNKS);
  }

  /** The check above can fail: the same samples shown without their profile are visibly off. */
  @Test
  void samplesReadWithoutTheirProfileDifferVisibly() throws Exception {
    // The JDK's PNG reader ignores iCCP: these are the Adobe RGB samples as if they were sRGB.
    BufferedImage raw = ImageIO.read(new ByteArrayInputStream(InputFormatsTest.resource("meadow-adobergb.png")));
    BufferedImage srgb = ImageComparison.decode(InputFormatsTest.resource("meadow-srgb.png"));

    assertThat(ImageComparison.psnr(raw, srgb, MID_GREY)).isLessThan(30.0);
  }

  static Stream<Arguments> sourcesWithMetadata() {
    return Stream.of(OutputFormat.JPEG, OutputFormat.PNG).flatMap(format -> Stream.of(
      Arguments.of("EXIF and ICC (libvips)", InputFormatsTest.resource("meadow-adobergb.jpg"), format),
      Arguments.of("camera EXIF", TestImages.read(TestImages.benchImage("forest-path_")), format),
      Arguments.of("EXIF orientation", TestImages.read(TestImages.benchImage("dogs_")), format),
      Arguments.of("JPEG comment and XMP", jpegWithCommentAndXmp(), format),
      Arguments.of("PNG text", pngWithText(), format)));
  }

  @ParameterizedTest(name = "{0} to {2}")
  @MethodSource("sourcesWithMetadata")
  void noMetadataIsCopiedIntoResults(String what, byte[] source, OutputFormat format) throws Exception {
    byte[] result = resizer.resize(source, 64, 64, ResizeMode.FIT, format, 0).bytes();

    if (format == OutputFormat.JPEG) {
      assertThat(jpegMarkers(result)).as("JPEG markers").isSubsetOf(IMAGE_MARKERS);
    } else {
      assertThat(pngChunks(result)).as("PNG chunks").isSubsetOf(IMAGE_CHUNKS);
    }
    // And as an independent reader sees it: only the image's own structure, no EXIF, XMP, ICC, comment or text.
    List<String> directories = new ArrayList<>();
    for (Directory directory : ImageMetadataReader.readMetadata(new ByteArrayInputStream(result)).getDirectories()) {
      directories.add(directory.getName());
    }
    assertThat(directories).as("metadata-extractor's directories")
      .isSubsetOf("JPEG", "JFIF", "Huffman", "File Type", "PNG-IHDR", "PNG-PLTE", "PNG-tRNS");
  }

  /** Grey with alpha stays grey with alpha (PNG colour type 4); plain grey stays grey (type 0, one JPEG component). */
  @Test
  void greyStaysGreyAndAlphaStaysAlpha() throws Exception {
    byte[] greyAlpha = greyAlphaPng();
    assertThat(greyAlpha[25]).as("source IHDR colour type").isEqualTo((byte) 4);

    assertThat(resizer.resize(greyAlpha, 50, 50, ResizeMode.FIT).bytes()[25]).as("grey+alpha PNG").isEqualTo((byte) 4);
    byte[] grey = TestImages.read(TestImages.benchImage("architecture_"));
    assertThat(resizer.resize(grey, 50, 50, ResizeMode.FIT, OutputFormat.PNG, 0).bytes()[25]).as("grey PNG")
      .isEqualTo((byte) 0);
    BufferedImage jpeg = ImageComparison.decode(resizer.resize(greyAlpha, 50, 50, ResizeMode.FIT, OutputFormat.JPEG, 0)
      .bytes());
    assertThat(jpeg.getColorModel().getNumComponents()).as("grey JPEG components").isEqualTo(1);
  }

  /** JPEG has no alpha: the flower's transparent corners come out white, as a page behind them would show. */
  @Test
  void alphaIsFlattenedOntoWhiteInAJpeg() {
    byte[] flower = TestImages.read(TestImages.benchImage("flower_"));
    BufferedImage png = ImageComparison.decode(resizer.resize(flower, 100, 100, ResizeMode.FIT).bytes());
    assertThat(png.getRGB(0, 0) >>> 24).as("the PNG's corner is transparent").isLessThan(16);

    BufferedImage jpeg = ImageComparison.decode(
      resizer.resize(flower, 100, 100, ResizeMode.FIT, OutputFormat.JPEG, 0).bytes());

    int corner = jpeg.getRGB(0, 0);
    assertThat(List.of(corner >> 16 & 0xFF, corner >> 8 & 0xFF, corner & 0xFF)).as("corner RGB")
      .allSatisfy(channel -> assertThat(channel).isGreaterThan(235));
  }

  @Test
  void theRequestsQualityIsTheOneUsed() {
    byte[] forest = TestImages.read(TestImages.benchImage("forest-path_"));

    byte[] low = resizer.resize(forest, 300, 300, ResizeMode.FIT, OutputFormat.SAME, 30).bytes();
    byte[] high = resizer.resize(forest, 300, 300, ResizeMode.FIT, OutputFormat.SAME, 98).bytes();
    byte[] byDefault = resizer.resize(forest, 300, 300, ResizeMode.FIT, OutputFormat.SAME, 0).bytes();
    byte[] ninety = resizer.resize(forest, 300, 300, ResizeMode.FIT, OutputFormat.SAME, 90).bytes();

    assertThat(low.length).isLessThan(byDefault.length);
    assertThat(high.length).isGreaterThan(byDefault.length);
    assertThat(byDefault).as("0 is the backend's jpegQuality, 90 by default").isEqualTo(ninety);
  }

  /** The markers of a JPEG up to its first scan (the image data follows). */
  static List<Integer> jpegMarkers(byte[] jpeg) {
    List<Integer> markers = new ArrayList<>();
    int at = 0;
    while (at + 3 < jpeg.length && (jpeg[at] & 0xFF) == 0xFF) {
      int marker = jpeg[at + 1] & 0xFF;
      markers.add(marker);
      if (marker == 0xD8) {
        at += 2;
      } else if (marker == 0xDA) {
        break;
      } else {
        at += 2 + ((jpeg[at + 2] & 0xFF) << 8 | (jpeg[at + 3] & 0xFF));
      }
    }
    assertThat(markers).as("markers up to the scan").startsWith(0xD8).endsWith(0xDA);
    return markers;
  }

  static List<String> pngChunks(byte[] png) {
    List<String> chunks = new ArrayList<>();
    for (int at = 8; at + 8 <= png.length; ) {
      int length = (png[at] & 0xFF) << 24 | (png[at + 1] & 0xFF) << 16 | (png[at + 2] & 0xFF) << 8 | (png[at + 3] & 0xFF);
      chunks.add(new String(png, at + 4, 4, StandardCharsets.US_ASCII));
      at += 12 + length;
    }
    assertThat(chunks).as("chunks").startsWith("IHDR").endsWith("IEND");
    return chunks;
  }

  /** A synthetic JPEG with a comment (COM) and an XMP packet (APP1) right after its SOI marker. */
  private static byte[] jpegWithCommentAndXmp() {
    byte[] jpeg = TestImages.synthetic(300, 200, "jpeg");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, 2);
    segment(out, 0xFE, "a comment that must not be copied".getBytes(StandardCharsets.UTF_8));
    segment(out, 0xE1, ("http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF "
      + "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"/></x:xmpmeta>").getBytes(StandardCharsets.UTF_8));
    out.write(jpeg, 2, jpeg.length - 2);
    return out.toByteArray();
  }

  private static void segment(ByteArrayOutputStream out, int marker, byte[] payload) {
    out.write(0xFF);
    out.write(marker);
    out.write((payload.length + 2) >> 8);
    out.write((payload.length + 2) & 0xFF);
    out.write(payload, 0, payload.length);
  }

  /** A synthetic PNG with a tEXt chunk right after IHDR. */
  private static byte[] pngWithText() {
    byte[] png = TestImages.synthetic(300, 200, "png");
    int afterIhdr = 8 + 12 + 13;
    byte[] text = "Comment\0a text that must not be copied".getBytes(StandardCharsets.ISO_8859_1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(png, 0, afterIhdr);
    out.write(text.length >>> 24);
    out.write(text.length >>> 16 & 0xFF);
    out.write(text.length >>> 8 & 0xFF);
    out.write(text.length & 0xFF);
    byte[] typed = new byte[4 + text.length];
    System.arraycopy("tEXt".getBytes(StandardCharsets.US_ASCII), 0, typed, 0, 4);
    System.arraycopy(text, 0, typed, 4, text.length);
    out.write(typed, 0, typed.length);
    CRC32 crc = new CRC32();
    crc.update(typed);
    long value = crc.getValue();
    out.write((int) (value >>> 24));
    out.write((int) (value >>> 16 & 0xFF));
    out.write((int) (value >>> 8 & 0xFF));
    out.write((int) (value & 0xFF));
    out.write(png, afterIhdr, png.length - afterIhdr);
    byte[] result = out.toByteArray();
    assertThat(pngChunks(result)).contains("tEXt");
    return result;
  }

  /** A grey gradient PNG with an alpha ramp, 8 bits each: PNG colour type 4. */
  private static byte[] greyAlphaPng() throws Exception {
    ComponentColorModel model = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY),
      new int[] {8, 8}, true, false, Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
    WritableRaster raster = model.createCompatibleWritableRaster(200, 100);
    for (int y = 0; y < 100; y++) {
      for (int x = 0; x < 200; x++) {
        raster.setSample(x, y, 0, 30 + x / 2);
        raster.setSample(x, y, 1, 255 - y);
      }
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    assertThat(ImageIO.write(new BufferedImage(model, raster, false, null), "png", bytes)).isTrue();
    return bytes.toByteArray();
  }
}
